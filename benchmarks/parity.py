"""Does minigan compute what PyTorch computes? The course's two GANs, the same weights, both engines.

    python benchmarks/parity.py --torch-python /work/venv-torch/bin/python
    python benchmarks/parity.py --torch-python PY --models dcgan --dtypes float64 --json parity.json

For the MLP GAN and the DCGAN, in float64 and in float32, minigan builds the networks (its
seed, its initialisation), and PyTorch loads the very same weights into the same layers
(``gan_step.torch_models``). Both then take, from the same noise z, real batch x and mixing
weights alpha:

  * the forward pass: G(z), D(x), D(G(z)) (batch norm in training mode, its batch statistics);
  * the discriminator loss BCE(D(x), 1) + BCE(D(G(z)), 0) and D's parameter gradients;
  * the generator loss BCE(D(G(z)), 1) (non-saturating) and G's parameter gradients;
  * second derivatives, as WGAN-GP needs them: at x_hat = alpha x + (1 - alpha) G(z), the input
    gradient grad_x D(x_hat) (built with ``create_graph``), the penalty
    mean((||grad_x D(x_hat)||_2 - 1)^2), and D's parameter gradients of that penalty;
  * batch norm's running statistics after all of it.

The computation is one function, :func:`quantities`, written in PyTorch's API and handed
either ``torch`` or ``minigan`` as its ``torch``. Each engine runs in a process of its own and
they exchange NumPy files only. The table gives,
for each quantity, max |minigan - PyTorch| / max |PyTorch|: float64 results agree to ~1e-15
(the order of the sums differs, nothing else), float32 results to float32's rounding, which
is large only against a small difference of large sums (the last bias's gradient). PyTorch is
never imported by minigan; this script's PyTorch worker imports nothing of minigan.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 16


def _inputs(model, rng):
    """The shared z, x (in [-1, 1], as the course's data) and alpha, as float64 arrays."""
    import numpy as np
    x_shape = (BATCH, 784) if model == "mlp" else (BATCH, 1, 28, 28)
    alpha_shape = (BATCH, 1) if model == "mlp" else (BATCH, 1, 1, 1)
    z_shape = (BATCH, 100) if model == "mlp" else (BATCH, 100, 1, 1)   # what PyTorch's Sequential takes
    return {"z": rng.standard_normal(z_shape), "x": np.tanh(rng.standard_normal(x_shape)),
            "alpha": rng.uniform(size=alpha_shape)}


def quantities(torch, nn, G, D, inputs, dtype, bare_names=False):
    """Everything compared, computed by PyTorch code: ``torch``/``nn`` are ``torch``/``torch.nn``
    or ``minigan``/``minigan.nn`` (the same function runs on both engines, as the course's
    scripts do). ``bare_names``: G and D are bare Sequentials, whose parameter names ("0.weight")
    get minigan's "G."/"D." in front."""
    dt = getattr(torch, dtype)
    t = {k: torch.tensor(v, dtype=dt) for k, v in inputs.items()}
    bce = nn.BCELoss()
    ones, zeros = torch.ones(BATCH, 1, dtype=dt), torch.zeros(BATCH, 1, dtype=dt)
    out = {}

    def grads(name, net, net_prefix):
        out.update({f"{name}.{net_prefix}{n}": p.grad for n, p in net.named_parameters()})

    fake = G(t["z"])
    d_real, d_fake = D(t["x"]), D(fake.detach())
    loss_d = bce(d_real, ones) + bce(d_fake, zeros)
    loss_d.backward()
    out.update(fake=fake, d_real=d_real, d_fake=d_fake, loss_d=loss_d)
    grads("grad_d_loss_d", D, "D." * bare_names)
    D.zero_grad()
    loss_g = bce(D(fake), ones)                      # the non-saturating generator loss
    loss_g.backward()
    out["loss_g"] = loss_g
    grads("grad_g_loss_g", G, "G." * bare_names)
    D.zero_grad()
    x_hat = (t["alpha"] * t["x"] + (1 - t["alpha"]) * fake.detach()).requires_grad_()
    score = D(x_hat)
    (grad_x,) = torch.autograd.grad(score, x_hat, torch.ones_like(score), create_graph=True)
    penalty = ((grad_x.reshape(BATCH, -1).norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()                               # through grad_x: second derivatives
    out.update(grad_x=grad_x, penalty=penalty)
    grads("grad_d_penalty", D, "D." * bare_names)
    for net, name in ((G, "G."), (D, "D.")):
        out.update({f"{name * bare_names}{k}": v for k, v in net.state_dict().items()
                    if k.endswith(("running_mean", "running_var"))})
    return {k: v.detach().double().numpy() for k, v in out.items()}


def worker_minigan(model, dtype, folder):
    sys.path.insert(0, os.path.join(HERE, ".."))
    import numpy as np

    import minigan
    import minigan.nn as nn
    from minigan.models import build_gan

    minigan.manual_seed(0)
    G, D = build_gan(model)
    G, D = (G.double(), D.double()) if dtype == "float64" else (G.float(), D.float())
    inputs = _inputs(model, np.random.default_rng(0))
    np.savez(os.path.join(folder, "weights.npz"), **inputs,
             **{k: np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float64)    # keys "G.0.weight", ...
                for net in (G, D) for k, v in net.state_dict().items()})
    np.savez(os.path.join(folder, "minigan.npz"), **quantities(minigan, nn, G, D, inputs, dtype))


def worker_torch(model, dtype, folder):
    import numpy as np
    import torch
    import torch.nn as nn

    sys.path.insert(0, HERE)
    from gan_step import torch_models

    torch.set_num_threads(1)
    loaded = np.load(os.path.join(folder, "weights.npz"))
    G, D = torch_models(model)
    for prefix, net in (("G.", G), ("D.", D)):
        state = {k[len(prefix):]: torch.from_numpy(loaded[k]) for k in loaded.files if k.startswith(prefix)}
        net.load_state_dict({k: (v.long() if k.endswith("num_batches_tracked") else v) for k, v in state.items()})
        net.to(getattr(torch, dtype))
    inputs = {k: loaded[k] for k in ("z", "x", "alpha")}
    np.savez(os.path.join(folder, "torch.npz"), **quantities(torch, nn, G, D, inputs, dtype, bare_names=True))


def compare(folder):
    """{quantity: max |minigan - torch| / max |torch|} (the absolute difference where torch's is 0)."""
    import numpy as np
    mine, theirs = np.load(os.path.join(folder, "minigan.npz")), np.load(os.path.join(folder, "torch.npz"))
    missing = sorted(set(mine.files) ^ set(theirs.files))
    if missing:
        raise SystemExit(f"the two workers computed different quantities: {missing}")
    result = {}
    for k in mine.files:
        a, b = mine[k], theirs[k].reshape(mine[k].shape)
        scale = float(np.abs(b).max()) if b.size else 0.0
        result[k] = float(np.abs(a - b).max() / (scale if scale > 0 else 1.0))
    return result


def _run(python, kind, model, dtype, folder):
    done = subprocess.run([python, __file__, "--worker", kind, model, dtype, folder], capture_output=True,
                          text=True, env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    if done.returncode:
        raise SystemExit(f"the {kind} worker failed ({model}, {dtype}):\n{done.stderr.strip()}")


def _group(name):
    """The table's rows: the per-parameter gradients of one loss collapse into one row."""
    head, _, _ = name.partition(".")
    return head if head.startswith("grad_") and head != "grad_x" else name


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--torch-python", required=True, metavar="PYTHON", help="a Python that has torch")
    p.add_argument("--models", nargs="+", choices=("mlp", "dcgan"), default=["mlp", "dcgan"])
    p.add_argument("--dtypes", nargs="+", choices=("float64", "float32"), default=["float64", "float32"])
    p.add_argument("--json", metavar="PATH", help="also write every quantity's difference as JSON")
    args = p.parse_args(argv)
    results = {}
    for model in args.models:
        for dtype in args.dtypes:
            with tempfile.TemporaryDirectory() as folder:
                _run(sys.executable, "minigan", model, dtype, folder)
                _run(args.torch_python, "torch", model, dtype, folder)
                results[f"{model} {dtype}"] = compare(folder)
    columns = list(results)
    rows = sorted({_group(k) for r in results.values() for k in r}, key=lambda k: (k.startswith(("G.", "D.")), k))
    print("max |minigan - PyTorch| / max |PyTorch|, same weights and inputs, batch", BATCH)
    print(f"{'quantity':34s}" + "".join(f"{c:>16s}" for c in columns))
    for row in rows:
        cells = [max((v for k, v in results[c].items() if _group(k) == row), default=float("nan")) for c in columns]
        print(f"{row:34s}" + "".join(f"{v:16.2e}" if v == v else f"{'-':>16s}" for v in cells))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"batch": BATCH, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, model, dtype, folder = sys.argv[2:6]
        (worker_minigan if kind == "minigan" else worker_torch)(model, dtype, folder)
    else:
        sys.exit(main())
