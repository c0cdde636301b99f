"""The GAN training loop: which network moves when, reproducibility, resume, the NaN guard, outputs."""
import json
import math
import os

import numpy as np
import pytest

import minigan
import matplotlib.pyplot as plt

from minigan.serialization import load
from minigan.models import build_gan
from minigan.training import GAN, TrainConfig, TrainingDiverged, TrainingInterrupted, train
from minigan.training.run import CHECKPOINT

from .helpers import mnist_dir


def _fake_images(n, seed=0):
    """Random images in [-1, 1] with MNIST's shape: enough to exercise the mechanics quickly."""
    rng = np.random.default_rng(seed)
    return (np.tanh(rng.standard_normal((n, 1, 28, 28))).astype(np.float32),
            rng.integers(0, 10, n).astype(np.int64))


def _params(model):
    return {name: p.numpy().copy() for name, p in model.named_parameters()}


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_discriminator_step_moves_only_d_and_generator_step_moves_only_g(model):
    minigan.manual_seed(0)
    G, D = build_gan(model)
    gan = GAN(G, D, 100)
    real = minigan.tensor(_fake_images(8)[0])
    g0, d0 = _params(G), _params(D)
    _, _, _, fake = gan.discriminator_step(real, keep_fake_graph=True)
    g1, d1 = _params(G), _params(D)
    assert all(np.array_equal(g0[k], g1[k]) for k in g0), "a discriminator step moved G"
    assert all(not np.array_equal(d0[k], d1[k]) for k in d0), "a discriminator step left a D weight unchanged"
    gan.generator_step(fake)
    g2, d2 = _params(G), _params(D)
    assert all(np.array_equal(d1[k], d2[k]) for k in d1), "a generator step moved D"
    assert all(not np.array_equal(g1[k], g2[k]) for k in g1), "a generator step left a G weight unchanged"


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_generator_step_skips_d_weight_gradients_but_not_the_gradient_through_d(model):
    # The generator step freezes D's parameters for its pass: G's gradients must be exactly
    # those of the unfrozen graph, D must get no gradient, and D must be trainable afterwards.
    minigan.manual_seed(0)
    G, D = build_gan(model)
    gan = GAN(G, D, 100)
    gan.opt_G = minigan.optim.SGD(G.parameters(), lr=0.0)     # keep G still: compare gradients only
    z = minigan.randn(8, 100)
    reference = GAN(G, D, 100)
    G.zero_grad(), D.zero_grad()
    reference.criterion(D(G(z)), minigan.ones(8, 1)).backward()   # the plain graph, D unfrozen
    expected = {name: p.grad.numpy().copy() for name, p in G.named_parameters()}
    assert all(p.grad is not None for p in D.parameters())
    D.zero_grad()
    gan.generator_step(G(z))
    for name, p in G.named_parameters():
        np.testing.assert_array_equal(p.grad.numpy(), expected[name], err_msg=name)
    assert all(p.grad is None for p in D.parameters()), "the generator step computed D's weight gradients"
    assert all(p.requires_grad for p in D.parameters()), "the generator step left D frozen"


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_training_step_keeps_every_array_in_the_chosen_dtype(model, dtype):
    # No silent upcast anywhere in a step: parameters, gradients, Adam's moments, batch-norm
    # statistics and the reported values all stay in the dtype the models were built in.
    previous = minigan.get_default_dtype()
    minigan.set_default_dtype(getattr(minigan, dtype))
    try:
        minigan.manual_seed(0)
        G, D = build_gan(model)
        gan = GAN(G, D, 100)
        out = gan.train_step(minigan.tensor(_fake_images(8)[0].astype(dtype)))
    finally:
        minigan.set_default_dtype(previous)
    arrays = {f"step {k}": v for k, v in out.items()}
    for net in (G, D):
        arrays.update({name: p.array for name, p in net.named_parameters()})
        arrays.update({f"{name}.grad": p.grad.array for name, p in net.named_parameters() if p.grad is not None})
        arrays.update({name: b.array for name, b in net.named_buffers() if b.array.dtype.kind == "f"})
    for opt in (gan.opt_G, gan.opt_D):
        for i, state in enumerate(opt.state.values()):
            arrays.update({f"adam {i} {k}": v for k, v in state.items() if hasattr(v, "dtype")})
    assert len(arrays) > 20
    wrong = {name: str(a.dtype) for name, a in arrays.items() if a.dtype != np.dtype(dtype)}
    assert not wrong, f"arrays not in {dtype}: {wrong}"


def test_generator_losses_are_the_documented_formulas():
    minigan.manual_seed(0)
    G, D = build_gan("mlp")
    for name in ("non-saturating", "minimax"):
        gan = GAN(G, D, 100, g_loss=name)
        fake = G(minigan.randn(16, 100))
        with minigan.no_grad():
            d = D(fake).numpy().astype(np.float64)
        loss = float(gan.generator_step(fake).item())
        expected = -np.log(d).mean() if name == "non-saturating" else np.log(1 - d).mean()
        assert loss == pytest.approx(expected, rel=1e-5)


def test_k_discriminator_steps_per_generator_step():
    minigan.manual_seed(0)
    G, D = build_gan("mlp")
    gan = GAN(G, D, 100, k=3)
    real = minigan.tensor(_fake_images(4)[0])
    got = [("g_loss" in gan.train_step(real)) for _ in range(9)]
    assert got == [False, False, True] * 3
    with pytest.raises(ValueError, match="positive integer"):
        GAN(G, D, 100, k=0)
    with pytest.raises(ValueError, match="non-saturating"):
        GAN(G, D, 100, g_loss="hinge")


class _Seen(minigan.nn.Module):
    """Wraps a network and records every input batch it is called on."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.seen = []

    def forward(self, x):
        self.seen.append(x.numpy().copy())
        return self.inner(x)


@pytest.mark.parametrize("reuse_fake", [False, True])
def test_which_noise_each_step_sees(reuse_fake):
    # Algorithm 1 (Goodfellow et al. 2014) draws one noise batch for the discriminator step
    # and a new one for the generator step; reuse_fake=True gives G's step D's own fakes.
    minigan.manual_seed(0)
    G, D = _Seen(minigan.nn.Linear(3, 5)), _Seen(minigan.nn.Linear(5, 1))
    D_out = minigan.nn.Sequential(D, minigan.nn.Sigmoid())
    gan = GAN(G, D_out, 3, reuse_fake=reuse_fake)
    drawn = []
    plain_noise = gan.noise
    gan.noise = lambda n: drawn.append(plain_noise(n)) or drawn[-1]
    real = minigan.randn(4, 5)
    w, b = G.inner.weight.numpy().copy(), G.inner.bias.numpy().copy()   # G moves only after D's inputs are seen
    gan.train_step(real)
    zs = [z.numpy() for z in drawn]
    assert len(zs) == (1 if reuse_fake else 2), "noise batches drawn in one iteration"
    if not reuse_fake:
        assert not np.array_equal(zs[0], zs[1]), "the generator step's noise repeats the discriminator's"
    g_noise = zs[-1]
    # G's inputs, in order: the D step's z, then (fresh noise only) the G step's z'.
    assert len(G.seen) == len(zs)
    for seen, z in zip(G.seen, zs):
        np.testing.assert_array_equal(seen, z)
    # D's inputs: the real batch, the D step's fakes, then the fakes the generator step scores.
    assert len(D.seen) == 3
    np.testing.assert_array_equal(D.seen[0], real.numpy())
    np.testing.assert_allclose(D.seen[1], zs[0] @ w.T + b, rtol=1e-6, atol=1e-6)
    if reuse_fake:
        np.testing.assert_array_equal(D.seen[2], D.seen[1])
    else:
        assert not np.allclose(D.seen[2], D.seen[1])
        np.testing.assert_allclose(D.seen[2], g_noise @ w.T + b, rtol=1e-6, atol=1e-6)


def test_reuse_fake_must_be_a_bool():
    G, D = build_gan("mlp")
    with pytest.raises(TypeError, match="reuse_fake"):
        GAN(G, D, 100, reuse_fake="yes")


def _config(tmp_path, name, **kw):
    base = dict(model="dcgan", epochs=2, batch_size=8, out=str(tmp_path / name), sample_epochs=(1,),
                checkpoint_every=1, progress=False, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def _quiet(*a, **k):
    pass


def test_same_seed_same_weights_and_a_different_seed_differs(tmp_path):
    data = _fake_images(24)
    runs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        train(_config(tmp_path, name, epochs=1, seed=seed, model="mlp"), dataset=data, log=_quiet)
        runs.append(load(tmp_path / name / CHECKPOINT)["G"])
    a, b, c = runs
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(tmp_path):
    data = _fake_images(20)       # 3 batches of 8 per epoch (the last one partial)
    train(_config(tmp_path, "whole", epochs=3), dataset=data, log=_quiet)
    train(_config(tmp_path, "split", epochs=1), dataset=data, log=_quiet)
    train(_config(tmp_path, "split", epochs=3), dataset=data, resume=True, log=_quiet)
    whole = load(tmp_path / "whole" / CHECKPOINT)
    split = load(tmp_path / "split" / CHECKPOINT)
    assert whole["epoch"] == split["epoch"] == 3
    for net in ("G", "D"):
        for key in whole[net]:
            assert np.array_equal(whole[net][key], split[net][key]), f"{net}.{key} differs after resume"
    for opt in ("opt_G", "opt_D"):
        for i, state in whole[opt]["state"].items():
            for name, value in state.items():
                assert np.array_equal(np.asarray(value), np.asarray(split[opt]["state"][i][name]))
    assert whole["history"]["d_loss"] == split["history"]["d_loss"]


def test_nan_guard_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    good = _fake_images(16)
    train(_config(tmp_path, "run", epochs=1, model="mlp"), dataset=good, log=_quiet)
    ckpt = tmp_path / "run" / CHECKPOINT
    before = ckpt.read_bytes()
    bad = (good[0].copy(), good[1])
    bad[0][3, 0, 5, 5] = np.nan                # one poisoned pixel
    with pytest.raises(TrainingDiverged, match="became nan"):
        train(_config(tmp_path, "run", epochs=3, model="mlp"), dataset=bad, resume=True, log=_quiet)
    assert ckpt.read_bytes() == before
    assert load(ckpt)["epoch"] == 1


def test_outputs_of_a_run(tmp_path):
    cfg = _config(tmp_path, "out", epochs=2, sample_epochs=(1,), checkpoint_every=5, model="mlp")
    history = train(cfg, dataset=_fake_images(16), log=_quiet)
    out = tmp_path / "out"
    names = sorted(os.listdir(out))
    assert names == ["checkpoint.pkl", "config.json", "curves.png", "history.csv", "history.json",
                     "progress.gif", "real_samples.png", "samples_epoch_001.png", "samples_epoch_002.png"]
    from PIL import Image
    with Image.open(out / "progress.gif") as gif:
        assert gif.n_frames == 2                      # one frame per epoch
    grid = plt.imread(out / "samples_epoch_001.png")
    assert grid.shape[1] >= 3 * 242                   # enlarged from the 242-pixel grid
    saved = json.loads((out / "history.json").read_text())
    assert saved["epoch"] == [1, 2] and len(saved["steps"]["d_loss"]) == 4
    assert saved["steps"]["epoch"] == [1, 1, 2, 2]
    assert all(math.isfinite(v) for v in history["d_loss"] + history["g_loss"])
    assert all(0 < v < 1 for v in history["d_x"] + history["d_g_z"])
    header = (out / "history.csv").read_text().splitlines()[0]
    assert header == "epoch,d_loss,g_loss,d_x,d_g_z,seconds"


def test_a_second_run_does_not_overwrite_the_first(tmp_path):
    data = _fake_images(8)
    train(_config(tmp_path, "r", epochs=1, model="mlp"), dataset=data, log=_quiet)
    with pytest.raises(ValueError, match="already holds a run.*--resume.*--overwrite"):
        train(_config(tmp_path, "r", epochs=1, model="mlp"), dataset=data, log=_quiet)
    train(_config(tmp_path, "r", epochs=1, model="mlp", seed=9), dataset=data, overwrite=True, log=_quiet)
    assert load(tmp_path / "r" / CHECKPOINT)["config"]["seed"] == 9


def _Stop(at):
    """GAN.train_epoch that raises KeyboardInterrupt (Ctrl-C) in epoch ``at``."""
    real = GAN.train_epoch

    def train_epoch(gan, loader, epoch=None, **kw):
        if epoch == at:
            raise KeyboardInterrupt
        return real(gan, loader, epoch=epoch, **kw)
    return train_epoch


def test_ctrl_c_saves_the_last_finished_epoch_and_the_run_resumes_exactly(tmp_path, monkeypatch):
    data = _fake_images(20)
    train(_config(tmp_path, "whole", epochs=3, checkpoint_every=5), dataset=data, log=_quiet)
    monkeypatch.setattr(GAN, "train_epoch", _Stop(at=3))
    with pytest.raises(TrainingInterrupted) as info:
        train(_config(tmp_path, "cut", epochs=3, checkpoint_every=5), dataset=data, log=_quiet)
    assert info.value.epoch == 2 and load(tmp_path / "cut" / CHECKPOINT)["epoch"] == 2
    monkeypatch.undo()
    train(_config(tmp_path, "cut", epochs=3), dataset=data, resume=True, given={}, log=_quiet)
    whole, cut = load(tmp_path / "whole" / CHECKPOINT), load(tmp_path / "cut" / CHECKPOINT)
    assert all(np.array_equal(whole["G"][k], cut["G"][k]) for k in whole["G"])


def test_ctrl_c_in_the_first_epoch_leaves_no_run_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(GAN, "train_epoch", _Stop(at=1))
    with pytest.raises(TrainingInterrupted) as info:
        train(_config(tmp_path, "r", epochs=2), dataset=_fake_images(8), log=_quiet)
    assert info.value.epoch is None and not (tmp_path / "r").exists()


def test_resume_keeps_the_saved_settings_honours_epochs_and_refuses_changes_by_name(tmp_path):
    data = _fake_images(8)
    train(_config(tmp_path, "r", epochs=1, model="mlp"), dataset=data, log=_quiet)
    with pytest.raises(ValueError, match=r"--lr 0.1 \(the run has 0.0002\).*--batch-size 4 \(the run has 8\)"):
        train(_config(tmp_path, "r", model="mlp"), dataset=data, resume=True,
              given={"lr": 0.1, "batch_size": 4}, log=_quiet)
    # --epochs not given: the saved target (1) holds, nothing more is trained
    assert train(_config(tmp_path, "r", model="mlp"), dataset=data, resume=True, given={}, log=_quiet)["epoch"] == [1]
    history = train(_config(tmp_path, "r", model="mlp"), dataset=data, resume=True,
                    given={"epochs": 2, "lr": 2e-4}, log=_quiet)      # an unchanged value is fine
    assert history["epoch"] == [1, 2] and load(tmp_path / "r" / CHECKPOINT)["config"]["epochs"] == 2


def test_overwrite_removes_the_old_runs_grids_and_nothing_else(tmp_path):
    data = _fake_images(8)
    train(_config(tmp_path, "r", epochs=2, sample_epochs=(1,), model="mlp"), dataset=data, log=_quiet)
    (tmp_path / "r" / "notes.txt").write_text("mine")
    train(_config(tmp_path, "r", epochs=1, model="mlp"), dataset=data, overwrite=True, log=_quiet)
    names = sorted(os.listdir(tmp_path / "r"))
    assert "samples_epoch_002.png" not in names and "samples_epoch_001.png" in names and "notes.txt" in names


def test_resume_checks(tmp_path):
    data = _fake_images(8)
    with pytest.raises(ValueError, match="no checkpoint.pkl"):
        train(_config(tmp_path, "none", model="mlp"), dataset=data, resume=True, log=_quiet)
    train(_config(tmp_path, "m", epochs=1, model="mlp"), dataset=data, log=_quiet)
    with pytest.raises(ValueError, match="of model 'mlp', not 'dcgan'"):
        train(_config(tmp_path, "m", epochs=2, model="dcgan"), dataset=data, resume=True, log=_quiet)


@pytest.mark.parametrize("field, value, message", [
    ("model", "vae", "unknown model"), ("epochs", 0, "epochs must be a positive integer"),
    ("batch_size", -3, "batch_size"), ("lr", 0.0, "lr must be a positive"), ("beta1", 1.0, "beta1"),
    ("g_loss", "hinge", "generator loss"), ("backend", "tpu", "unknown backend"),
    ("dataset", "cifar", "unknown dataset")])
def test_config_validation(tmp_path, field, value, message):
    cfg = _config(tmp_path, "v", **{field: value})
    with pytest.raises(ValueError, match=message):
        cfg.validate()


@pytest.mark.skipif(mnist_dir() is None, reason="real MNIST not found (set MINIGAN_DATA_DIR)")
@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_a_few_steps_on_real_mnist_keep_losses_finite(tmp_path, model):
    cfg = _config(tmp_path, model, model=model, epochs=1, batch_size=32, limit=128,
                  data_root=str(mnist_dir()))
    history = train(cfg, log=_quiet)
    steps = history["steps"]
    assert len(steps["d_loss"]) == 4
    assert all(math.isfinite(v) for v in steps["d_loss"] + steps["g_loss"])
    # at the very start D is near chance, so the BCE of two terms is near 2 log 2
    assert 0.5 < steps["d_loss"][0] < 3.0
