"""Seconds for one MNIST-sized epoch (60,000 images, batch 128: 469 steps) of GAN training.

The images are random, MNIST-shaped and in [-1, 1], so the run needs no dataset and times
exactly the work of a real epoch: the data is moved to the device once, then every batch
is a D step and a G step, with the progress bar off.

    python benchmarks/epoch.py --model dcgan --backend cupy
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import minigan  # noqa: E402
from minigan.data import DataLoader  # noqa: E402
from minigan.models import build_gan  # noqa: E402
from minigan.training.gan import GAN  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=("mlp", "dcgan"), default="dcgan")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    p.add_argument("--images", type=int, default=60000)
    p.add_argument("--batch-size", type=int, default=128)
    args = p.parse_args()
    minigan.set_backend(args.backend)
    minigan.manual_seed(0)
    images = np.tanh(np.random.default_rng(0).standard_normal((args.images, 1, 28, 28))).astype(np.float32)
    # set_backend above is the one choice: the loader and the networks live on that backend
    loader = DataLoader((images, np.zeros(args.images, dtype=np.int64)), batch_size=args.batch_size, seed=0)
    G, D = build_gan(args.model)
    gan = GAN(G, D, 100)
    warm = DataLoader((images[:4 * args.batch_size], np.zeros(4 * args.batch_size, dtype=np.int64)),
                      batch_size=args.batch_size, seed=0)
    gan.train_epoch(warm, progress=False)          # warm-up: kernels compiled, memory pools filled
    t0 = time.perf_counter()
    _, means = gan.train_epoch(loader, progress=False)
    seconds = time.perf_counter() - t0             # train_epoch ends with a device-to-host copy: synced
    print(f"{args.model} on {args.backend}: one epoch of {len(loader)} steps (batch {args.batch_size}) "
          f"took {seconds:.1f} s ({1000 * seconds / len(loader):.1f} ms/step); "
          f"D loss {means['d_loss']:.3f}, G loss {means['g_loss']:.3f}")


if __name__ == "__main__":
    main()
