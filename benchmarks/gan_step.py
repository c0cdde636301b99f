"""How fast does minigan train the course's GANs? One full training step, measured.

A step is what one MNIST minibatch costs: a discriminator update on a real and a fake batch
(BCE, Adam), then a generator update through the updated discriminator. For each model
(MLP GAN, DCGAN) at batch 128 the script reports, in one run on one machine:

  * seconds per step for minigan on NumPy (and on CuPy when a GPU is present), the median
    of --steps steps after --warmup steps;
  * the same step written in PyTorch, when PyTorch is installed (never imported by minigan
    itself), and the ratio minigan / PyTorch. "The same" includes freezing D's parameters
    during the generator step, as minigan's GAN does (pytorch/examples' DCGAN does not, and
    so computes D's weight gradients there only to discard them);
  * the FLOPs of the step (counted layer by layer below), the achieved GFLOP/s, and the
    machine's own float32 matrix-multiply rate measured in the same run;
  * the peak resident memory of a process that does only that training (each measurement
    runs in a fresh subprocess, so the numbers do not mix), and its minor page faults per
    step (first writes to freshly allocated memory, a cost that grows with every large
    temporary; GLIBC_TUNABLES, which changes it, is recorded when set);
  * the DCGAN's per-layer forward and backward times in minigan.

    python benchmarks/gan_step.py                       # everything available here
    python benchmarks/gan_step.py --models dcgan --steps 20 --json results.json
    python benchmarks/gan_step.py --rounds 5        # more turns on a noisy, shared machine

The comparison of record (benchmarks/NOTES.md): OpenBLAS pinned to its AVX2 kernels and left to
choose (``--openblas both``), 1 and 2 threads, PyTorch from its own virtual environment, and
the minigan of an older checkout beside this one (``--before TREE``), all taking turns:

    python benchmarks/gan_step.py --openblas both --threads 1 2 --rounds 5 --torch-python /work/venv-torch/bin/python

PyTorch on a CPU-only machine: ``pip install torch==2.13.0`` (see the README), in this
interpreter or in another one given with ``--torch-python``.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------ FLOP count
# Multiply-accumulates per sample of each layer's forward pass. A backward pass costs one
# such product for the weight gradient and one for the input gradient (skipped where the
# input needs no gradient: the noise z, and real or detached images entering D).
_MLP_G = [100 * 128, 128 * 256, 256 * 784]
_MLP_D = [784 * 256, 256 * 128, 128 * 1]
_DC_G = [100 * 256 * 7 * 7,            # ConvT 100->256, k7, 1x1 -> 7x7: every input meets 49 taps
         256 * 128 * 4 * 4 * 7 * 7,    # ConvT 256->128, k4 s2: each of 7x7 inputs spreads 4x4 taps
         128 * 1 * 4 * 4 * 14 * 14]    # ConvT 128->1,   k4 s2: each of 14x14 inputs spreads 4x4 taps
_DC_D = [1 * 64 * 4 * 4 * 14 * 14,     # Conv 1->64,    k4 s2 p1, 14x14 outputs
         64 * 128 * 4 * 4 * 7 * 7,     # Conv 64->128,  k4 s2 p1, 7x7 outputs
         128 * 7 * 7 * 1]              # Linear 6272 -> 1


def step_flops(model, batch):
    """FLOPs (2 per multiply-accumulate) of one training step, as minigan computes it."""
    g, d = (_MLP_G, _MLP_D) if model == "mlp" else (_DC_G, _DC_D)
    G, D = sum(g), sum(d)
    d_step = G + 2 * D + 2 * D + 2 * (D - d[0])          # G fwd; D fwd x2; D weight grads x2; input grads
    g_step = D + D + G + (G - g[0])                      # D fwd; D input grads (D frozen); G weight + input
    return 2 * batch * (d_step + g_step)


# ------------------------------------------------------------------------------ workers
def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def _peak_rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _minor_faults():
    """Minor page faults of this process so far: each is a first write to a fresh 4 KiB page,
    which is what a step pays for every large array it allocates anew (benchmarks/NOTES.md)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _time_steps(step, batches, steps, warmup, sync):
    """Median seconds of ``step(batch)`` over ``steps`` steps after ``warmup``, the process's
    peak memory, and its page faults per timed step. ``sync`` waits for the device (a GPU)."""
    times, cpu = [], []
    for i in range(warmup + steps):
        if i == warmup:
            faults = _minor_faults()
        sync()
        t0, c0 = time.perf_counter(), time.process_time()
        step(batches[i % len(batches)])
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return {"step_s": _median(times), "cpu_s": _median(cpu), "peak_rss_mb": _peak_rss_mb(),
            "faults_per_step": (_minor_faults() - faults) / steps}


def worker_minigan(model, backend, batch, steps, warmup, layers, threads=None, tree=None):
    sys.path.insert(0, tree or str(REPO))
    import numpy as np

    import minigan
    from minigan import threads as minigan_threads
    from minigan.models import build_gan
    from minigan.training.gan import GAN

    if threads:
        minigan_threads.set_threads(threads)      # BLAS's count, and minigan's own where it has threads

    minigan.set_backend(backend)
    minigan.manual_seed(0)
    xp = minigan.backend.get_module(backend)
    sync = (lambda: xp.cuda.Stream.null.synchronize()) if backend == "cupy" else (lambda: None)
    G, D = build_gan(model)                        # on the backend set above, as is every tensor
    # the PyTorch step below reuses D's fake batch for the G step (pytorch/examples' shortcut);
    # minigan's default draws fresh noise (Algorithm 1), so the same work is asked for here
    gan = GAN(G, D, 100, reuse_fake=True)
    shape = (batch, 784) if model == "mlp" else (batch, 1, 28, 28)
    rng = np.random.default_rng(0)
    batches = [minigan.tensor(np.tanh(rng.standard_normal(shape)).astype(np.float32)) for _ in range(4)]
    result = _time_steps(gan.train_step, batches, steps, warmup, sync)
    result["minigan_threads"] = (minigan_threads.get_num_threads() if hasattr(minigan_threads, "get_num_threads")
                                 else None)
    if layers and model == "dcgan":
        result["layers"] = _layer_times(minigan, G, D, batch, sync)
    return result


def _layer_times(minigan, G, D, batch, sync):
    """Forward and backward time of every DCGAN layer at its real input size."""
    import numpy as np
    rows = []
    rng = np.random.default_rng(1)
    for name, net, x_shape in (("G", G.G, (batch, 100, 1, 1)), ("D", D.D, (batch, 1, 28, 28))):
        x = minigan.tensor(rng.standard_normal(x_shape).astype(np.float32))
        for i, layer in enumerate(net):
            x_in = x.detach().requires_grad_()
            fwd, bwd = [], []
            for _ in range(5):
                sync()
                t0 = time.perf_counter()
                out = layer(x_in)
                sync()
                t1 = time.perf_counter()
                out.backward(gradient=minigan.ones_like(out))
                sync()
                fwd.append(t1 - t0)
                bwd.append(time.perf_counter() - t1)
                x_in.grad = None
                for p in layer.parameters():
                    p.grad = None
            rows.append({"layer": f"{name}.{i}", "what": repr(layer).split("(")[0],
                         "out_shape": list(out.shape), "forward_ms": 1e3 * _median(fwd),
                         "backward_ms": 1e3 * _median(bwd)})
            x = out.detach()
    return rows


def torch_models(model):
    """The course's two GANs written in PyTorch, layer for layer as minigan's (models/mlp.py,
    models/dcgan.py; the Sequentials' indices are minigan's too, so a minigan state_dict loads
    once its "G."/"D." prefix is dropped): (G, D)."""
    import torch.nn as nn

    if model == "mlp":
        G = nn.Sequential(nn.Linear(100, 128), nn.LeakyReLU(0.2, True), nn.Linear(128, 256),
                          nn.LeakyReLU(0.2, True), nn.Linear(256, 784), nn.Tanh())
        D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2, True), nn.Linear(256, 128),
                          nn.LeakyReLU(0.2, True), nn.Linear(128, 1), nn.Sigmoid())
    else:
        G = nn.Sequential(nn.ConvTranspose2d(100, 256, 7, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
                          nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
                          nn.ConvTranspose2d(128, 1, 4, 2, 1, bias=False), nn.Tanh())
        D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
                          nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, True),
                          nn.Flatten(), nn.Linear(6272, 1), nn.Sigmoid())
    return G, D


def worker_torch(model, device, batch, steps, warmup, threads):
    import torch
    import torch.nn as nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    G, D = torch_models(model)
    zshape, xshape = ((batch, 100), (batch, 784)) if model == "mlp" else ((batch, 100, 1, 1), (batch, 1, 28, 28))
    G, D = G.to(device), D.to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch, 1, device=device), torch.zeros(batch, 1, device=device)
    batches = [torch.tanh(torch.randn(xshape, device=device)) for _ in range(4)]
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step(real):
        fake = G(torch.randn(zshape, device=device))
        opt_D.zero_grad()
        loss_D = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        loss_D.backward()
        opt_D.step()
        opt_G.zero_grad()
        D.requires_grad_(False)          # as minigan's GAN.generator_step: no D weight gradients here
        loss_G = bce(D(fake), ones)
        loss_G.backward()
        D.requires_grad_(True)
        opt_G.step()

    return {**_time_steps(step, batches, steps, warmup, sync), "torch": torch.__version__}


def _openblas_core():
    """The CPU kernel set NumPy's OpenBLAS uses ("Haswell", "SkylakeX", ...), or None.
    It matters: an environment with OPENBLAS_CORETYPE=Haswell forces the AVX2 kernels, about
    half the float32 GEMM rate of the AVX-512 ones OpenBLAS picks by itself on an AVX-512 CPU
    (measured on a Zen 5 VM, see benchmarks/NOTES.md); PyTorch's oneDNN is not affected."""
    import ctypes
    import glob

    import numpy as np
    for path in glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


def worker_matmul(n=2048, reps=10):
    import numpy as np
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((n, n)).astype(np.float32)
    a @ b
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    try:
        core = _openblas_core()
    except OSError:
        core = None
    return {"gflops": 2 * n ** 3 / _median(times) / 1e9, "n": n, "openblas_core": core}


# ------------------------------------------------------------------------------ driver
# OpenBLAS's kernel set for the workers: "environment" leaves the variables as they are;
# "pinned" forces the AVX2 kernels as this workplace's environment does; "unset" removes the
# variables (for the workers only), so that OpenBLAS picks by itself as on a user's machine
PINNED = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
SETTINGS = {"environment": ["environment"], "pinned": ["pinned"], "unset": ["unset"], "both": ["pinned", "unset"]}


def _worker_env(threads, setting):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    if setting == "pinned":
        env.update(PINNED)
    elif setting == "unset":
        for name in PINNED:
            env.pop(name, None)
    if _CORETYPE:
        env["OPENBLAS_CORETYPE"] = _CORETYPE
    return env


def _run_worker(spec, threads, setting="environment", python=None):
    proc = subprocess.run([python or sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True,
                          text=True, env=_worker_env(threads, setting))
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


_CORETYPE = None      # --openblas-coretype: an override for every worker (default: OpenBLAS decides)


def _have(module, python=None):
    if python:
        return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0
    import importlib.util
    return importlib.util.find_spec(module) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=("mlp", "dcgan"), default=["mlp", "dcgan"])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 200 MLP, 15 DCGAN)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3,
                        help="how many times each engine is measured, taking turns (default 3)")
    parser.add_argument("--threads", type=int, nargs="+", default=[os.cpu_count()],
                        help="CPU threads for BLAS, minigan and PyTorch; several values: one table each")
    parser.add_argument("--openblas", choices=sorted(SETTINGS), default="environment",
                        help="OpenBLAS's kernel set in the workers: as the environment says (default), pinned to "
                             "AVX2 (OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512), unset (OpenBLAS's own "
                             "choice, as on a user's machine), or both pinned and unset")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--torch-python", default=None,
                        help="the Python interpreter that has PyTorch (e.g. a separate venv's); default this one")
    parser.add_argument("--before", default=None, metavar="TREE",
                        help="also time the minigan of this checkout (e.g. a git worktree of an older commit)")
    parser.add_argument("--no-layers", action="store_true", help="skip the per-layer DCGAN table")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--openblas-coretype", default=None,
                        help="set OPENBLAS_CORETYPE in the workers (e.g. SkylakeX) instead of OpenBLAS's own "
                             "CPU detection; recorded in the results")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        spec = json.loads(args.worker)
        kind = spec.pop("kind")
        fn = {"minigan": worker_minigan, "torch": worker_torch, "matmul": worker_matmul}[kind]
        print(json.dumps(fn(**spec)))
        return 0

    global _CORETYPE
    _CORETYPE = args.openblas_coretype
    sys.path.insert(0, str(REPO))
    from minigan.backend import cupy_available
    backends = ["numpy"] + (["cupy"] if cupy_available() else [])
    torch_here = not args.no_torch and _have("torch", args.torch_python)
    torch_cuda = False
    if torch_here and "cupy" in backends:
        torch_cuda = subprocess.run([args.torch_python or sys.executable, "-c",
                                     "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"],
                                    capture_output=True).returncode == 0
    every = {"runs": []}
    layers_done = False
    for setting in SETTINGS[args.openblas]:
        for threads in args.threads:
            results = _measure(args, setting, threads, backends, torch_here, torch_cuda, layers=not layers_done)
            layers_done = layers_done or not args.no_layers
            _print_table(results)
            print()
            every["runs"].append(results)
    if len(every["runs"]) > 1:
        _print_summary(every["runs"])
    if args.json:
        out = every["runs"][0] if len(every["runs"]) == 1 else every
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


def _measure(args, setting, threads, backends, torch_here, torch_cuda, layers):
    """One table: every engine at one OpenBLAS setting and thread count, taking turns."""
    results = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                           "threads": threads, "python": platform.python_version()},
               "openblas_setting": setting, "batch_size": args.batch_size, "models": {}}
    mm = _run_worker({"kind": "matmul"}, threads, setting)
    results["matmul_gflops"] = mm.get("gflops")
    results["machine"]["openblas_core"] = mm.get("openblas_core")
    env = _worker_env(threads, setting)
    results["machine"]["openblas_coretype_env"] = env.get("OPENBLAS_CORETYPE")
    results["machine"]["openblas_l2_size_env"] = env.get("OPENBLAS_L2_SIZE")
    # the C allocator's settings change the page faults, and so the times, of both engines
    results["machine"]["glibc_tunables_env"] = os.environ.get("GLIBC_TUNABLES")
    try:
        results["machine"]["load_avg"] = os.getloadavg()
    except OSError:
        pass
    for model in args.models:
        steps = args.steps or (200 if model == "mlp" else 15)
        entry = {"flops": step_flops(model, args.batch_size), "steps": steps, "rounds": args.rounds}
        specs = {}
        trees = [("", None)] + ([("_before", str(Path(args.before).resolve()))] if args.before else [])
        for be in backends:
            for suffix, tree in trees:
                specs[f"minigan_{be}{suffix}"] = ({"kind": "minigan", "model": model, "backend": be,
                                                   "batch": args.batch_size, "steps": steps, "warmup": args.warmup,
                                                   "layers": layers and not args.no_layers and not suffix,
                                                   "threads": threads, "tree": tree}, None)
        if torch_here:
            for key, device in (("torch_cpu", "cpu"),) + ((("torch_cuda", "cuda"),) if torch_cuda else ()):
                specs[key] = ({"kind": "torch", "model": model, "device": device, "batch": args.batch_size,
                               "steps": steps, "warmup": args.warmup, "threads": threads}, args.torch_python)
        # The engines take turns, round after round, so that a slow spell of a shared machine
        # hits them alike; each engine's figure is the median of its rounds' medians.
        runs = {key: [] for key in specs}
        for r in range(args.rounds):
            for key, (spec, python) in specs.items():
                if r > 0 and "layers" in spec:
                    spec = {**spec, "layers": False}         # the per-layer table once is enough
                runs[key].append(_run_worker(spec, threads, setting, python))
        for key, rs in runs.items():
            failed = [x for x in rs if "error" in x]
            if failed:
                entry[key] = failed[0]
                continue
            times = [x["step_s"] for x in rs]
            entry[key] = {**rs[0], "step_s": _median(times), "rounds_s": times,
                          "cpu_s": _median([x.get("cpu_s", float("nan")) for x in rs]),
                          "peak_rss_mb": max(x["peak_rss_mb"] for x in rs)}
        results["models"][model] = entry
    return results


def _print_summary(runs):
    """One line per model and setting: the step times and the ratios, side by side."""
    print("summary (median s/step; ratio minigan / PyTorch)")
    for r in runs:
        for model, e in r["models"].items():
            cells = []
            for key in ("minigan_numpy_before", "minigan_numpy", "torch_cpu"):
                if key in e and "step_s" in e[key]:
                    cells.append(f"{key} {e[key]['step_s']:.4f}")
            ref = e.get("torch_cpu", {}).get("step_s")
            mine = e.get("minigan_numpy", {}).get("step_s")
            ratio = f"ratio {mine / ref:.2f}" if ref and mine else ""
            print(f"  {r['openblas_setting']:11} ({r['machine'].get('openblas_core')}), {r['machine']['threads']} "
                  f"thread(s), {model:5}: " + "; ".join(cells) + f"  {ratio}")


def _print_table(results):
    mm = results["matmul_gflops"]
    m = results["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['threads']} threads; "
          f"float32 matmul (2048^2) {mm:.0f} GFLOP/s; batch {results['batch_size']}")
    if m.get("openblas_core") or m.get("load_avg"):
        load = m.get("load_avg")
        print(f"OpenBLAS kernels: {m.get('openblas_core')}"
              + (f" (OPENBLAS_CORETYPE={m['openblas_coretype_env']})" if m.get("openblas_coretype_env") else "")
              + (f"; load average at start {load[0]:.2f}" if load else ""))
    if m.get("glibc_tunables_env"):
        print(f"GLIBC_TUNABLES={m['glibc_tunables_env']}")
    print(f"{'model':6} {'engine':20} {'s/step':>9} {'CPU s':>8} {'GFLOP/s':>8} {'% matmul':>9} {'peak MB':>8} "
          f"{'faults':>7} {'vs torch':>9}")
    for model, e in results["models"].items():
        ref = {"numpy": e.get("torch_cpu", {}).get("step_s"), "cupy": e.get("torch_cuda", {}).get("step_s")}
        for key in ("minigan_numpy_before", "minigan_numpy", "torch_cpu", "minigan_cupy", "torch_cuda"):
            r = e.get(key)
            if not r:
                continue
            if "error" in r:
                print(f"{model:6} {key:20} error: {r['error']}")
                continue
            rate = e["flops"] / r["step_s"] / 1e9
            pct = f"{100 * rate / mm:.0f}%" if key.endswith(("numpy", "cpu")) and mm else ""
            base = ref.get(key.split("_")[1]) if key.startswith("minigan") else None
            ratio = f"{r['step_s'] / base:.2f}" if base else ""
            faults = r.get("faults_per_step")
            faults = f"{faults:7.0f}" if faults is not None else f"{'':7}"
            cpu = r.get("cpu_s")
            cpu = f"{cpu:8.4f}" if cpu is not None else f"{'':8}"
            print(f"{model:6} {key:20} {r['step_s']:9.4f} {cpu} {rate:8.1f} {pct:>9} {r['peak_rss_mb']:8.0f} "
                  f"{faults} {ratio:>9}")
        floor = f"; its products alone take {e['flops'] / mm / 1e9:.4f} s at the matmul rate" if mm else ""
        print(f"{'':6} (one step = {e['flops'] / 1e9:.2f} GFLOP{floor}; median of {e['steps']} steps, "
              f"then of {e.get('rounds', 1)} rounds)")
        spread = [f"{key} {min(r['rounds_s']):.4f}-{max(r['rounds_s']):.4f} s" for key, r in e.items()
                  if isinstance(r, dict) and len(r.get("rounds_s", [])) > 1]
        if spread:
            print(f"{'':6} (range over the rounds: {'; '.join(spread)})")
    for model, e in results["models"].items():
        layers = e.get("minigan_numpy", {}).get("layers")
        if layers:
            print("\nDCGAN layers in minigan (NumPy), batch", results["batch_size"])
            print(f"{'layer':6} {'op':18} {'output':18} {'fwd ms':>8} {'bwd ms':>8}")
            for row in layers:
                print(f"{row['layer']:6} {row['what']:18} {str(tuple(row['out_shape'])):18} "
                      f"{row['forward_ms']:8.2f} {row['backward_ms']:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
