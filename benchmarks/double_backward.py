"""What gradients of gradients cost: the first-order GAN steps before and after, and one
WGAN-GP critic step (time and peak memory).

1. ``--before DIR``: a checkout of minigan from before a change (for example a
   ``git worktree add --detach ../before <commit>``). Each round runs the MLP GAN and DCGAN
   training steps (``GAN.train_step``, batch 128) in a fresh process for the old tree, then
   for this one, taking turns, and reports the median of the rounds' medians: a first-order
   step must not get slower when backward learns to build graphs. ``--clock cpu`` times the
   process's CPU time on one BLAS thread instead of wall time: on a machine shared with
   other work, wall time swings by 2-4x while CPU time moves by a few per cent.
2. The WGAN-GP critic step at batch 128 on MNIST-sized images, float32: the DCGAN's
   discriminator without batch norm (as Gulrajani et al. advise for the critic), the
   Wasserstein loss D(fake) - D(real) plus 10 x the gradient penalty on interpolates
   (``autograd.grad(..., create_graph=True)``), backward, Adam(1e-4, (0.5, 0.9)). Beside it,
   the same critic's step without the penalty, so the price of the second derivative reads
   off directly. Each in its own process: peak resident memory is the process's.

    python benchmarks/double_backward.py --before ../before --rounds 3
    python benchmarks/double_backward.py --no-compare          # only the WGAN-GP step
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def worker_gan(model, steps, clock):
    """Median time of one GAN.train_step of ``model`` with whatever minigan is on the path."""
    import numpy as np

    import minigan
    from minigan.models import build_gan
    from minigan.training.gan import GAN
    minigan.manual_seed(0)
    G, D = build_gan(model)
    try:        # the same work in both trees: the older GAN always reused D's fake batch
        gan = GAN(G, D, 100, reuse_fake=True)
    except TypeError:
        gan = GAN(G, D, 100)
    shape = (128, 784) if model == "mlp" else (128, 1, 28, 28)
    rng = np.random.default_rng(0)
    batches = [minigan.Tensor(np.tanh(rng.standard_normal(shape)).astype(np.float32)) for _ in range(4)]
    now = time.process_time if clock == "cpu" else time.perf_counter
    times = []
    for i in range(steps + 3):
        t0 = now()
        gan.train_step(batches[i % 4])
        if i >= 3:
            times.append(now() - t0)
    return {"step_s": _median(times)}


def worker_critic(penalty, batch, steps, warmup, clock="wall"):
    sys.path.insert(0, str(REPO))
    import resource

    import numpy as np

    import minigan
    import minigan.nn as nn
    from minigan import autograd

    minigan.manual_seed(0)
    critic = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1),
                           nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    opt = minigan.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    rng = np.random.default_rng(0)
    reals = [minigan.tensor(np.tanh(rng.standard_normal((batch, 1, 28, 28))).astype(np.float32)) for _ in range(2)]
    fake = minigan.tensor(np.tanh(rng.standard_normal((batch, 1, 28, 28))).astype(np.float32))

    def step(real):
        opt.zero_grad()
        loss = critic(fake).mean() - critic(real).mean()
        if penalty:
            alpha = minigan.rand(batch, 1, 1, 1)
            x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_()
            out = critic(x_hat)
            (g,) = autograd.grad(out, x_hat, grad_outputs=minigan.ones_like(out), create_graph=True)
            norm = ((g.reshape(batch, -1) ** 2).sum(axis=1) + 1e-12).sqrt()
            loss = loss + 10 * ((norm - 1) ** 2).mean()
        loss.backward()
        opt.step()

    now = time.process_time if clock == "cpu" else time.perf_counter
    times = []
    for i in range(warmup + steps):
        t0 = now()
        step(reals[i % 2])
        if i >= warmup:
            times.append(now() - t0)
    return {"step_s": _median(times), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run(cmd, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gan_step(tree, model, steps, threads, clock):
    env = {"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads), "PYTHONPATH": str(tree)}
    spec = {"kind": "gan", "model": model, "steps": steps, "clock": clock}
    return _run([sys.executable, __file__, "--worker", json.dumps(spec)], env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=None, help="a checkout from before the change to compare with")
    parser.add_argument("--no-compare", action="store_true", help="skip the before/after GAN steps")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--critic-steps", type=int, default=10)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: process CPU time on one thread (robust on a shared machine)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        kind = spec.pop("kind")
        print(json.dumps((worker_gan if kind == "gan" else worker_critic)(**spec)))
        return 0

    if args.clock == "cpu":
        args.threads = 1
    results = {"threads": args.threads, "clock": args.clock, "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
               "load_avg": os.getloadavg()}
    if args.before and not args.no_compare:
        trees = {"before": Path(args.before).resolve(), "after": REPO}
        for model, steps in (("mlp", 200), ("dcgan", 10)):
            runs = {name: [] for name in trees}
            for _ in range(args.rounds):
                for name, tree in trees.items():      # taking turns, each in a fresh process
                    runs[name].append(gan_step(tree, model, steps, args.threads, args.clock))
            entry = {}
            for name, rs in runs.items():
                ok = [r["step_s"] for r in rs if "error" not in r]
                entry[name] = {"step_s": _median(ok) if ok else None, "rounds_s": ok,
                               "errors": [r["error"] for r in rs if "error" in r]}
            if entry["before"]["step_s"] and entry["after"]["step_s"]:
                entry["after_over_before"] = entry["after"]["step_s"] / entry["before"]["step_s"]
            results[model] = entry
            print(f"{model:6s} first-order step: before {entry['before']['step_s']}, after "
                  f"{entry['after']['step_s']}, ratio {entry.get('after_over_before')}")
    env = {"OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)}
    for penalty in (False, True):
        rs = [_run([sys.executable, __file__, "--worker", json.dumps(
            {"kind": "critic", "penalty": penalty, "batch": 128, "steps": args.critic_steps, "warmup": 2,
             "clock": args.clock})], env)
            for _ in range(args.rounds)]
        ok = [r for r in rs if "error" not in r]
        key = "wgan_gp_critic" if penalty else "wasserstein_critic_no_penalty"
        results[key] = {"step_s": _median([r["step_s"] for r in ok]) if ok else None,
                        "rounds_s": [r["step_s"] for r in ok],
                        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok) if ok else None,
                        "errors": [r["error"] for r in rs if "error" in r]}
        print(f"{key}: {results[key]['step_s']} s a step, peak RSS {results[key]['peak_rss_mb']} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
