"""The GAN variants (issue 16): which parameters each step moves, the losses against a hand
computation, the gradient penalty (gradcheck, gradgradcheck, per-sample mixing, no NaN at a
zero gradient), clipping, finite losses in a run, bit-exact resume, the registry and settings,
the curves, and the code-to-label matching."""
import copy
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigan
from minigan import backend
from minigan.metrics import assignment, contingency_table, matching_accuracy
from minigan.serialization import load
from minigan.training import TrainConfig, train
from minigan.training import wgan_gp as wgan_gp_module
from minigan.training.run import CHECKPOINT
from minigan.training.variants import VARIANT_NAMES, get_variant, make_gan, variant_defaults
from minigan.training.wgan_gp import gradient_penalty, mixing_coefficients

from .conftest import leaf

Z, F = 3, 4          # tiny networks: noise of 3, data points of 4 features


def _params(module):
    return {name: p.numpy().copy() for name, p in module.named_parameters()}


def _tiny(name, **settings):
    return make_gan(name, "mlp", z_dim=Z, features=F, **settings)


def _batch(m=6, seed=0):
    rng = np.random.default_rng(seed)
    return (minigan.tensor(np.tanh(rng.standard_normal((m, F))).astype(minigan.get_default_dtype())),
            minigan.tensor(rng.integers(0, 10, m)))


def _step(gan, real, labels):
    return gan.train_step(real, labels) if gan.conditional else gan.train_step(real)


# ------------------------------------------------------------------ which parameters move
def _twins(name, steps, real, labels):
    """Two identical variants (same seed) and the outputs of ``steps`` identical iterations."""
    pair = []
    for _ in range(2):
        minigan.manual_seed(0)
        pair.append(_tiny(name, k=2))           # the first iteration is a D (critic) step only
    state = backend.get_rng_state()
    for gan in pair:
        backend.set_rng_state(state)
        outs = [_step(gan, real, labels) for _ in range(steps)]
    return pair, outs


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_the_d_step_moves_only_d_and_the_g_step_only_g(name):
    real, labels = _batch()
    minigan.manual_seed(0)
    gan = _tiny(name, k=2)
    g0, d0 = _params(gan.G), _params(gan.D)
    out = _step(gan, real, labels)
    assert "g_loss" not in out
    g1, d1 = _params(gan.G), _params(gan.D)
    assert all(np.array_equal(g0[k], g1[k]) for k in g0), "a D step moved G"
    # WGAN-GP: the critic's last bias adds the same constant to f(x) and f(G(z)) and is absent
    # from the penalty, so its gradient is exactly 0; WGAN's moves only when clipping moves it
    last = "D.4.bias"
    still = {last} if name == "wgan-gp" or (name == "wgan" and abs(d0[last]).max() <= 0.01) else set()
    moved = {k for k in d0 if not np.array_equal(d0[k], d1[k])}
    assert moved == set(d0) - still, f"D parameters that did not move: {set(d0) - moved}"
    # the second iteration: a D step then a G step; the G step must leave D as its D step left
    # it, which a twin that makes the same D step and no G step shows
    (gan, twin), _ = _twins(name, 1, real, labels)
    twin.k = 10 ** 6
    state = backend.get_rng_state()
    out = _step(gan, real, labels)
    backend.set_rng_state(state)
    assert "g_loss" not in _step(twin, real, labels)
    assert "g_loss" in out
    d2, twin_d = _params(gan.D), _params(twin.D)
    assert all(np.array_equal(d2[k], twin_d[k]) for k in d2), "the G step moved D"
    g2 = _params(gan.G)
    assert all(not np.array_equal(g1[k], g2[k]) for k in g1), "the G step left a G weight unchanged"
    assert all(p.requires_grad for p in gan.D.parameters()), "the G step left D frozen"


# ------------------------------------------------------------------ losses by hand
def _np_seq(seq, x):
    """A Sequential of Linear / LeakyReLU / Sigmoid layers, in NumPy float64."""
    for m in seq:
        kind = type(m).__name__
        if kind == "Linear":
            x = x @ m.weight.numpy().astype(float).T + m.bias.numpy().astype(float)
        elif kind == "LeakyReLU":
            x = np.where(x > 0, x, m.negative_slope * x)
        elif kind == "Sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind == "Tanh":
            x = np.tanh(x)
        else:
            raise AssertionError(kind)
    return x


def _bce(p, target):
    return float(-(target * np.log(p) + (1 - target) * np.log(1 - p)).mean())


def _fixed_latents(gan, monkeypatch, n, draws=2, seed=7):
    """Replace the prior with known draws; returns them (NumPy), in the order the step takes them."""
    rng = np.random.default_rng(seed)
    made = []
    for _ in range(draws):
        z = rng.standard_normal((n, Z))
        if gan.name == "cgan":
            made.append((z, rng.integers(0, 10, n)))
        elif gan.name == "infogan":
            made.append((z, rng.integers(0, 10, n), rng.uniform(-1, 1, (n, 2))))
        else:
            made.append((z,))
    queue = list(made)

    def latent(m):
        return tuple(minigan.tensor(a) for a in queue.pop(0))
    monkeypatch.setattr(gan, "latent", latent)
    monkeypatch.setattr(gan, "noise", lambda m: latent(m)[0])
    return made


def _np_d(gan, x, y=None):
    """D's output(s) in NumPy for variant ``gan``: D(x) (and Q's heads for InfoGAN)."""
    if gan.name == "cgan":
        e = gan.D.label_emb.weight.numpy().astype(float)[y]
        return _np_seq(gan.D.D.D, np.concatenate([x, e], axis=1))
    if gan.name == "infogan":
        h = _np_seq(gan.D.body, x)
        q = _np_seq(gan.D.q, h)
        return _np_seq(gan.D.adv, h), q[:, :10], q[:, 10:]
    return _np_seq(gan.D.D, x)


def _np_g(gan, inputs):
    if gan.name == "cgan":
        z, y = inputs
        return _np_seq(gan.G.G.G, np.concatenate([z, gan.G.label_emb.weight.numpy().astype(float)[y]], axis=1))
    if gan.name == "infogan":
        z, c, cc = inputs
        return _np_seq(gan.G.G.G, np.concatenate([z, np.eye(10)[c], cc], axis=1))
    return _np_seq(gan.G.G, inputs[0])


def _np_critic_input_grad(seq, x):
    """d sum f(x) / dx for a Linear-LeakyReLU-Linear-LeakyReLU-Linear critic, by the chain rule."""
    layers = list(seq)
    pre, h = [], x
    for m in layers:
        if type(m).__name__ == "Linear":
            h = h @ m.weight.numpy().astype(float).T + m.bias.numpy().astype(float)
            pre.append(h)
        else:
            h = np.where(h > 0, h, m.negative_slope * h)
    g = np.ones((len(x), 1))
    linears = [m for m in layers if type(m).__name__ == "Linear"]
    for i in range(len(linears) - 1, -1, -1):
        g = g @ linears[i].weight.numpy().astype(float)
        if i > 0:
            g = g * np.where(pre[i - 1] > 0, 1.0, 0.2)
    return g


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_the_losses_equal_a_hand_computation(name, monkeypatch):
    minigan.set_default_dtype(minigan.float64)
    gan = _tiny(name, k=1)
    real, labels = _batch(5)
    x, y = real.numpy(), labels.numpy()
    (d_in, g_in) = _fixed_latents(gan, monkeypatch, 5)
    eps = np.random.default_rng(3).random((5, 1))
    monkeypatch.setattr(wgan_gp_module, "mixing_coefficients", lambda r: minigan.tensor(eps))
    fake = _np_g(gan, d_in)                           # G before its step
    g_params_before = copy.deepcopy(gan.G)
    if name in ("gan", "cgan"):
        want_d = _bce(_np_d(gan, x, y), 1) + _bce(_np_d(gan, fake, d_in[1] if name == "cgan" else None), 0)
    elif name == "infogan":
        p_real = _np_d(gan, x)[0]
        p_fake, logits, mu = _np_d(gan, fake)
        logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        info = -logp[np.arange(5), d_in[1]].mean() + 0.5 * ((d_in[2] - mu) ** 2).sum(1).mean()
        want_d = _bce(p_real, 1) + _bce(p_fake, 0) + info
    elif name == "lsgan":
        want_d = 0.5 * ((_np_d(gan, x) - 1) ** 2).mean() + 0.5 * (_np_d(gan, fake) ** 2).mean()
    else:
        want_d = _np_d(gan, fake).mean() - _np_d(gan, x).mean()
        if name == "wgan-gp":
            x_hat = eps * x + (1 - eps) * fake
            g = _np_critic_input_grad(gan.D.D, x_hat)
            norm = np.sqrt((g ** 2).sum(1) + 1e-12)
            want_gp = ((norm - 1) ** 2).mean()
            want_d += 10 * want_gp
    out = gan.train_step(real, labels) if gan.conditional else gan.train_step(real)
    assert float(out["d_loss"]) == pytest.approx(want_d, rel=1e-10)
    if name == "wgan-gp":
        assert float(out["gp"]) == pytest.approx(want_gp, rel=1e-10)
        assert float(out["grad_norm"]) == pytest.approx(norm.mean(), rel=1e-10)
    # the G step sees the updated D and the G of before its own step
    gan_G_now = gan.G
    gan.G = g_params_before
    fake2 = _np_g(gan, g_in)
    gan.G = gan_G_now
    if name in ("gan", "cgan"):
        want_g = _bce(_np_d(gan, fake2, g_in[1] if name == "cgan" else None), 1)
    elif name == "infogan":
        p, logits, mu = _np_d(gan, fake2)
        logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        want_g = _bce(p, 1) - logp[np.arange(5), g_in[1]].mean() + 0.5 * ((g_in[2] - mu) ** 2).sum(1).mean()
    elif name == "lsgan":
        want_g = 0.5 * ((_np_d(gan, fake2) - 1) ** 2).mean()
    else:
        want_g = -_np_d(gan, fake2).mean()
    assert float(out["g_loss"]) == pytest.approx(want_g, rel=1e-10)


# ------------------------------------------------------------------ the gradient penalty
def _small_critic():
    nn = minigan.nn
    return nn.Sequential(nn.Linear(4, 5), nn.LeakyReLU(0.2), nn.Linear(5, 3), nn.LeakyReLU(0.2),
                         nn.Linear(3, 1)).double()


@settings(max_examples=6, deadline=None)
@given(m=st.integers(1, 4), seed=st.integers(0, 2 ** 16))
def test_the_penalty_gradcheck_and_gradgradcheck(m, seed):
    minigan.manual_seed(seed % 7)
    critic = _small_critic()
    rng = np.random.default_rng(seed)
    real, fake = leaf(rng.standard_normal((m, 4))), leaf(rng.standard_normal((m, 4)))
    eps = minigan.tensor(rng.random((m, 1)))
    params = list(critic.parameters())

    def penalty_of_weights(*ps):
        with minigan.enable_grad():        # gradcheck's finite differences run under no_grad
            return gradient_penalty(critic, real.detach(), fake.detach(), eps)[0]
    assert minigan.gradcheck(penalty_of_weights, params)
    # the penalty as a function of the data: its gradient and its gradient's gradient
    assert minigan.gradgradcheck(lambda r, f: gradient_penalty(critic, r, f, eps)[0], (real, fake))


def test_the_mixing_coefficient_is_one_per_sample():
    images, points = minigan.randn(5, 1, 28, 28), minigan.randn(7, 2)
    assert mixing_coefficients(images).shape == (5, 1, 1, 1)
    assert mixing_coefficients(points).shape == (7, 1)
    e = mixing_coefficients(minigan.randn(2000, 1)).numpy()
    assert 0 <= e.min() and e.max() < 1 and abs(e.mean() - 0.5) < 0.03     # U[0, 1]


def test_a_zero_gradient_gives_a_finite_penalty_and_gradient():
    critic = _small_critic()
    for p in critic.parameters():                      # a constant critic: its input gradient is 0
        p.array[...] = 0
    real, fake = minigan.randn(3, 4).double(), minigan.randn(3, 4).double()
    gp, norm = gradient_penalty(critic, real, fake, minigan.rand(3, 1).double())
    gp.backward()
    assert gp.item() == pytest.approx((1e-6 - 1) ** 2)             # |g| = sqrt(0 + 1e-12)
    grads = [p.grad.numpy() for p in critic.parameters() if p.grad is not None]   # the last bias has none
    assert len(grads) >= 3 and all(np.isfinite(g).all() for g in grads)


def test_wgan_gp_critic_has_no_batch_norm():
    for model in ("mlp", "dcgan"):
        _, D = get_variant("wgan-gp").build_models(model)
        kinds = {type(m).__name__ for m in D.modules()}
        assert not kinds & {"BatchNorm1d", "BatchNorm2d", "Sigmoid"}, kinds
    _, D = get_variant("wgan-gp").build_models("dcgan")
    assert any(type(m).__name__ == "LayerNorm" for m in D.modules())


def test_clipping_keeps_every_critic_weight_within_the_bound():
    gan = _tiny("wgan", clip=0.05)
    assert any(abs(p.numpy()).max() > 0.05 for p in gan.D.parameters())     # something to clip
    real, _ = _batch(8)
    for _ in range(7):
        gan.train_step(real)
        for name, p in gan.D.named_parameters():
            assert abs(p.numpy()).max() <= 0.05, name
    assert max(abs(p.numpy()).max() for p in gan.D.parameters()) == pytest.approx(0.05)


# ------------------------------------------------------------------ runs, resume, settings
def _images(n, seed=0):
    rng = np.random.default_rng(seed)
    return (np.tanh(rng.standard_normal((n, 1, 28, 28))).astype(np.float32), rng.integers(0, 10, n))


def _config(tmp_path, name, gan, **kw):
    base = dict(model="mlp", gan=gan, epochs=2, batch_size=8, out=str(tmp_path / name), sample_epochs=(1,),
                checkpoint_every=1, progress=False, seed=3, z_dim=8)
    base.update(kw)
    return TrainConfig(**base)


def _resume_matches(tmp_path, gan, model="mlp"):
    data = _images(20)              # 3 steps an epoch: with 5 critic steps a cycle spans epochs
    logs = []
    train(_config(tmp_path, "whole", gan, epochs=3, model=model), dataset=data, log=logs.append)
    train(_config(tmp_path, "split", gan, epochs=1, model=model), dataset=data, log=lambda *a: None)
    train(_config(tmp_path, "split", gan, epochs=3, model=model), dataset=data, resume=True, log=lambda *a: None)
    whole, split = load(tmp_path / "whole" / CHECKPOINT), load(tmp_path / "split" / CHECKPOINT)
    assert whole["config"]["gan"] == gan
    for net in ("G", "D"):
        for key in whole[net]:
            assert np.array_equal(whole[net][key], split[net][key]), f"{net}.{key} differs after resume"
    steps = whole["history"]["steps"]
    assert steps["d_loss"] == split["history"]["steps"]["d_loss"]
    assert all(math.isfinite(v) for v in steps["d_loss"] + steps["g_loss"]) and steps["g_loss"]
    return logs


def test_a_wgan_checkpoint_resumes_bit_exactly_mid_cycle(tmp_path):
    logs = _resume_matches(tmp_path, "wgan")
    start = "\n".join(logs)
    assert "WGAN (MLP form)" in start and "RMSprop lr 5e-05" in start and "clipped to +-0.01" in start
    assert "n_critic (k) 5" in start


@pytest.mark.slow
@pytest.mark.parametrize("gan", ["cgan", "lsgan", "wgan-gp", "infogan"])
def test_each_variant_resumes_bit_exactly_with_finite_losses(tmp_path, gan):
    _resume_matches(tmp_path, gan)


@pytest.mark.slow
@pytest.mark.parametrize("gan", ["cgan", "wgan-gp", "infogan"])
def test_dcgan_forms_train_a_few_steps_with_finite_losses(tmp_path, gan):
    history = train(_config(tmp_path, gan, gan, model="dcgan", epochs=1, k=1), dataset=_images(16),
                    log=lambda *a: None)
    steps = history["steps"]
    assert len(steps["g_loss"]) == 2 and all(math.isfinite(v) for v in steps["d_loss"] + steps["g_loss"])


def test_defaults_are_the_papers_and_foreign_settings_are_refused(tmp_path):
    wgan = TrainConfig(gan="wgan").validate()
    assert (wgan.lr, wgan.k, wgan.clip, wgan.beta1, wgan.g_loss) == (5e-5, 5, 0.01, None, None)
    gp = TrainConfig(gan="wgan-gp").validate()
    assert (gp.lr, gp.beta1, gp.beta2, gp.k, gp.lambda_gp) == (1e-4, 0.5, 0.9, 5, 10.0)
    ls = TrainConfig(gan="lsgan").validate()
    assert (ls.lr, ls.k, ls.g_loss) == (2e-4, 1, None)
    info = TrainConfig(gan="infogan").validate()
    assert (info.lambda_cat, info.lambda_cont) == (1.0, 1.0)
    plain = TrainConfig().validate()
    assert (plain.lr, plain.beta1, plain.beta2, plain.k, plain.g_loss, plain.clip) == \
        (2e-4, 0.5, 0.999, 1, "non-saturating", None)
    assert variant_defaults("wgan") == {"lr": 5e-5, "k": 5, "clip": 0.01}
    for gan, field, value, message in [("wgan", "beta1", 0.5, "--beta1 does not apply to --gan wgan"),
                                       ("gan", "clip", 0.1, "--clip does not apply"),
                                       ("lsgan", "g_loss", "minimax", "--g-loss does not apply"),
                                       ("wgan-gp", "lambda_gp", -1.0, "lambda_gp must be a positive"),
                                       ("vae", "lr", 1e-3, "unknown GAN variant 'vae'")]:
        with pytest.raises(ValueError, match=message):
            TrainConfig(gan=gan, **{field: value}).validate()


def test_a_conditional_variant_refuses_data_without_labels(tmp_path):
    images = _images(8)[0]
    with pytest.raises(ValueError, match="learns from the class labels"):
        train(_config(tmp_path, "c", "cgan", epochs=1), dataset=images, log=lambda *a: None)


def test_resume_refuses_another_variant(tmp_path):
    train(_config(tmp_path, "r", "lsgan", epochs=1), dataset=_images(8), log=lambda *a: None)
    with pytest.raises(ValueError, match="of GAN variant 'lsgan', not 'wgan'"):
        train(_config(tmp_path, "r", "wgan", epochs=2), dataset=_images(8), resume=True, log=lambda *a: None)


def test_the_critics_curves_draw_no_probability_reference_lines(tmp_path, monkeypatch):
    from minigan.training import figures
    seen = []
    monkeypatch.setattr(figures, "save_figure", lambda fig, path, **kw: seen.append(fig))
    history = {"steps": {"d_loss": [0.1, -0.2, -0.3], "g_loss": [0.2, 0.1, 0.0], "d_x": [0.1, 0.2, 0.3],
                         "d_g_z": [-0.1, -0.2, -0.3], "epoch": [None] * 3}}
    for name in ("gan", "wgan", "wgan-gp", "lsgan"):
        figures.plot_history(history, str(tmp_path / "c.png"), style=get_variant(name).plot)
    labels = [" ".join(ax.get_legend_handles_labels()[1]) for ax in seen[-1].axes]
    texts = [[" ".join(ax.get_legend_handles_labels()[1]) for ax in fig.axes] for fig in seen]
    assert "log 4" in texts[0][0] and "1/2: D cannot tell" in texts[0][1]
    for critic in texts[1:3]:
        assert "log" not in critic[0] and "1/2" not in critic[1]
    assert seen[1].axes[1].get_ylim() != (0.0, 1.0)          # a critic's scores are not in [0, 1]
    assert "1/4" in labels[0]


def test_the_registry_is_the_one_list():
    from minigan.cli import build_parser
    assert VARIANT_NAMES == ("gan", "cgan", "lsgan", "wgan", "wgan-gp", "infogan")
    train_choices = next(a for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions
                         if a.dest == "gan").choices
    assert tuple(train_choices) == VARIANT_NAMES
    with pytest.raises(ValueError, match="unknown GAN variant"):
        get_variant("began")


def test_infogan_traversal_varies_only_the_chosen_code():
    cls = get_variant("infogan")
    rng = np.random.default_rng(0)
    z, c, cc = cls.traversal_inputs(rng, 5, "c1", steps=10)
    assert z.shape == (100, 5) and np.all(z == z[0])
    assert np.array_equal(c, np.repeat(np.arange(10), 10))
    assert np.allclose(cc[:10, 0], np.linspace(-1, 1, 10)) and np.all(cc[:, 1] == cc[0, 1])
    z, c, cc = cls.traversal_inputs(rng, 5, "cat")
    assert np.array_equal(c, np.tile(np.arange(10), 10))
    assert np.all(z.reshape(10, 10, 5) == z.reshape(10, 10, 5)[:, :1])       # z fixed along a row
    with pytest.raises(ValueError, match="--traverse"):
        cls.traversal_inputs(rng, 5, "c3")


def test_infogan_q_head_shares_the_discriminator_body():
    G, D = get_variant("infogan").build_models("mlp", z_dim=Z, features=F)
    x = minigan.randn(3, F)
    d, logits, mu = D.heads(x)
    np.testing.assert_array_equal(d.numpy(), D(x).numpy())
    assert logits.shape == (3, 10) and mu.shape == (3, 2)
    body = {id(p) for p in D.body.parameters()}
    assert body and body.isdisjoint(id(p) for p in D.q.parameters())
    assert not any(type(m).__name__ == "Softmax" for m in D.q.modules())    # CE takes logits


# ------------------------------------------------------------------ matching
def test_assignment_is_optimal_against_all_permutations():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 7))
        cost = rng.integers(-5, 20, (n, n)).astype(float)
        perm = assignment(cost)
        assert sorted(perm) == list(range(n))
        best = min(sum(cost[i, p[i]] for i in range(n)) for p in itertools.permutations(range(n)))
        assert cost[np.arange(n), perm].sum() == pytest.approx(best)


def test_matching_accuracy_finds_a_relabeling_and_counts_the_rest():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 1000)
    relabel = rng.permutation(10)
    codes = relabel[labels]
    acc, perm = matching_accuracy(codes, labels)
    assert acc == 1.0 and np.array_equal(perm[relabel], np.arange(10))
    codes[:100] = (codes[:100] + 1) % 10                       # 100 samples off by one code
    assert matching_accuracy(codes, labels)[0] == pytest.approx(0.9)
    table = contingency_table([0, 0, 1, 1], [1, 1, 0, 1], 2, 2)
    assert table.tolist() == [[0, 2], [1, 1]]
    assert matching_accuracy([0, 0, 1, 1], [1, 1, 0, 1], n_classes=2)[0] == 0.75
    with pytest.raises(ValueError, match="square"):
        assignment(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="0..9"):
        matching_accuracy([0, 12], [0, 1])


def test_the_nan_guard_stops_a_critic_run(tmp_path):
    from minigan.training import TrainingDiverged
    images, labels = _images(16)
    images[3, 0, 5, 5] = np.nan
    with pytest.raises(TrainingDiverged, match="became nan"):
        train(_config(tmp_path, "nan", "wgan-gp", epochs=1), dataset=(images, labels), log=lambda *a: None)


@pytest.mark.skipif(__import__("tests.helpers", fromlist=["mnist_dir"]).mnist_dir() is None,
                    reason="real MNIST not found (set MINIGAN_DATA_DIR)")
@pytest.mark.parametrize("gan", ["cgan", "infogan"])
def test_eval_every_scores_a_generator_with_codes(tmp_path, gan):
    from .helpers import mnist_dir
    history = train(_config(tmp_path, gan, gan, epochs=1, eval_every=1, eval_n=20, data_root=str(mnist_dir())),
                    dataset=_images(16), log=lambda *a: None)
    (scores,) = history["eval"]
    assert scores["epoch"] == 1 and scores["n"] == 20 and math.isfinite(scores["fid"])
    assert (tmp_path / gan / "fid.png").exists()
    # and `minigan evaluate` of the checkpoint, which knows only noise
    from minigan.evaluate import evaluate_checkpoint
    again = evaluate_checkpoint(tmp_path / gan, n=20, root=str(mnist_dir()))
    assert again["n"] == 20 and math.isfinite(again["fid"]) and again["fid"] > again["fid_floor"]


def test_epoch_log_names_each_variants_own_quantities():
    """The epoch line speaks of a critic's scores f(x) for WGAN and WGAN-GP, of D(x) for the
    others, and says when an epoch held no generator step instead of printing nan."""
    from minigan.training.run import epoch_line
    from minigan.training.variants import get_variant
    means = {"d_loss": -0.5, "g_loss": 0.25, "d_x": 0.75, "d_g_z": -0.125}
    for name in ("wgan", "wgan-gp"):
        line = epoch_line(get_variant(name).plot["names"], 3, 5, means, 1.0)
        assert "critic loss -0.5000" in line and "f(x) 0.750" in line and "f(G(z)) -0.125" in line
        assert "D(x)" not in line
    for name in ("gan", "lsgan", "cgan", "infogan"):
        line = epoch_line(get_variant(name).plot["names"], 3, 5, means, 1.0)
        assert line.startswith("epoch 3/5  D loss -0.5000  G loss 0.2500  D(x) 0.750  D(G(z)) -0.125")
    no_g = epoch_line(get_variant("wgan").plot["names"], 1, 1, {**means, "g_loss": float("nan")}, 1.0)
    assert "G loss - (no generator step this epoch)" in no_g and "nan" not in no_g
