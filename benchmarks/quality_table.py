"""The README's quality table: the course's MLP GAN (or DCGAN) scored by minigan.metrics after
1, 5 and 10 epochs' worth of steps (469 steps of 128 images each, MNIST's 60,000 / 128), seeds 0-2.

    MINIGAN_DATA_DIR=/path/to/mnist python benchmarks/quality_table.py [--model mlp|dcgan] [--n 10000]
        [--seeds 0,1,2] [--epochs 1,5,10] [--threads N] [--save-dir DIR]

Steps draw batches from the training images found (the first 22,699 here: an "epoch's worth"
is counted in steps, not in passes over this subset). Prints one Markdown row per (epochs,
seed) and the mean over seeds, with the training and evaluation times.
"""
import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy  # noqa: E402

import minigan  # noqa: E402
from minigan.data import MNIST  # noqa: E402
from minigan.metrics import evaluate_images, generate, load_classifier  # noqa: E402
from minigan.models import build_gan  # noqa: E402
from minigan.threads import set_threads  # noqa: E402
from minigan.training import GAN  # noqa: E402

STEPS_PER_EPOCH = 469


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("mlp", "dcgan"), default="mlp")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", default="1,5,10")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: minigan's)")
    parser.add_argument("--save-dir", default=None,
                        help="also write each scored generator's weights here (<model>-seed<s>-steps<n>.npz), "
                             "to score it again later without retraining")
    args = parser.parse_args()
    minigan.set_backend(args.backend)
    set_threads(args.threads)
    warnings.simplefilter("ignore")
    data = MNIST(split="train", download=False).images
    classifier = load_classifier("mnist", args.backend)
    epochs = [int(e) for e in args.epochs.split(",")]
    rows = []
    print("| model | epochs' worth (steps) | seed | FID | floor | IS | precision | recall | coverage | train s | eval s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in (int(s) for s in args.seeds.split(",")):
        minigan.manual_seed(seed)
        G, D = build_gan(args.model)                 # on the backend set above, as is every tensor
        gan = GAN(G, D, 100)
        rng = numpy.random.default_rng(seed)
        step, train_s = 0, 0.0
        for ep in epochs:
            t0 = time.perf_counter()
            while step < ep * STEPS_PER_EPOCH:
                gan.train_step(minigan.tensor(data[rng.integers(0, len(data), 128)]))
                step += 1
            train_s += time.perf_counter() - t0
            if args.save_dir:
                Path(args.save_dir).mkdir(parents=True, exist_ok=True)
                numpy.savez(Path(args.save_dir) / f"{args.model}-seed{seed}-steps{step}.npz",
                            **{k: minigan.backend.to_numpy(v.array) for k, v in G.state_dict().items()})
            t0 = time.perf_counter()
            s = evaluate_images(generate(G, args.n, 100, seed=seed), classifier)
            ev = time.perf_counter() - t0
            rows.append((ep, s))
            print(f"| {args.model} | {ep} ({step}) | {seed} | {s['fid']:.2f} | {s['fid_floor']:.2f} | "
                  f"{s['inception_score']:.2f} | {s['precision']:.3f} | {s['recall']:.3f} | {s['coverage']}/10 | "
                  f"{train_s:.0f} | {ev:.0f} |", flush=True)
    for ep in epochs:
        sel = [s for e, s in rows if e == ep]
        mean = {k: float(numpy.mean([s[k] for s in sel])) for k in ("fid", "inception_score", "precision", "recall")}
        sd = float(numpy.std([s["fid"] for s in sel]))
        print(f"mean over {len(sel)} seeds, {ep} epochs' worth: FID {mean['fid']:.2f} +- {sd:.2f}, "
              f"IS {mean['inception_score']:.2f}, precision {mean['precision']:.3f}, recall {mean['recall']:.3f}")


if __name__ == "__main__":
    main()
