"""The README's "GAN variants" table: every variant trained with the same budget, scored the same way.

    python benchmarks/variants_table.py toy   [--steps 1000] [--seeds 0,1,2]
    MINIGAN_DATA_DIR=/path/to/mnist python benchmarks/variants_table.py mnist [--model mlp] [--g-steps 300] [--n 2000]

toy: the 2-D demo (``minigan.training.demo.run_demo``) for each variant that applies to points
(gan, lsgan, wgan, wgan-gp) on the ring of 8 and the 5x5 grid of 25: the same number of
generator steps (``--steps``, batch ``--toy-batch``, the demo's 256 by default; WGAN and WGAN-GP do
5 critic steps for each), then
modes covered and the high-quality share of 2,000 samples; mean and spread (population std)
over the seeds.

mnist: each variant in its paper's hyper-parameters (``TrainConfig`` defaults for ``--gan``),
the same number of generator steps on batches of 64 drawn from the training images, then
``evaluate_images`` on ``--n`` samples (FID with its floor at the same N, precision, recall,
class coverage) and seconds per generator step (its critic steps included). The conditional
GAN is also asked for each digit: the share of its samples the shipped classifier assigns to
the requested label. InfoGAN's categorical code is matched one-to-one with the classifier's
labels (Hungarian algorithm): the best matching accuracy (chance: about 0.1 and above).

Each part prints a Markdown table and writes a JSON file beside it (``--json``).
"""
import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy  # noqa: E402

import minigan  # noqa: E402


def _quiet(*a, **k):
    pass


def toy(args):
    from minigan.training.demo import TOY_VARIANTS, run_demo
    seeds = [int(s) for s in args.seeds.split(",")]
    results = []
    print(f"| data | variant | modes covered (mean +- std) | high quality (mean +- std) | s per run |")
    print("|---|---|---|---|---|")
    gans = TOY_VARIANTS if args.gans == "all" else args.gans.split(",")
    with tempfile.TemporaryDirectory() as out:
        for data in args.data.split(","):
            for gan in gans:
                runs = [run_demo(out=os.path.join(out, f"{data}-{gan}-{s}"), steps=args.steps, seed=s, gan=gan,
                                 data=data, batch_size=args.toy_batch, progress=False, log=_quiet) for s in seeds]
                modes = numpy.array([r["modes_covered"] for r in runs], dtype=float)
                hq = numpy.array([r["high_quality"] for r in runs])
                secs = float(numpy.mean([r["seconds"] for r in runs]))
                row = {"data": data, "gan": gan, "of_modes": runs[0]["of_modes"], "modes": modes.tolist(),
                       "high_quality": hq.tolist(), "seconds": secs}
                results.append(row)
                print(f"| {data} | {gan} | {modes.mean():.1f} +- {modes.std():.1f} of {row['of_modes']} | "
                      f"{100 * hq.mean():.0f}% +- {100 * hq.std():.0f}% | {secs:.0f} |", flush=True)
    return {"part": "toy", "steps": args.steps, "batch_size": args.toy_batch, "seeds": seeds, "rows": results}


def mnist(args):
    from minigan.data import MNIST
    from minigan.metrics import classify, evaluate_images, generate, load_classifier, matching_accuracy
    from minigan.tensor import tensor
    from minigan.training import TrainConfig
    from minigan.training.variants import VARIANT_NAMES, make_gan
    warnings.simplefilter("ignore")           # FID's small-N warning: the floor is printed beside it
    data = MNIST(split="train", download=False)
    classifier = load_classifier("mnist")
    gans = VARIANT_NAMES if args.gans == "all" else args.gans.split(",")
    rows = []
    print(f"| variant ({args.model}) | FID | floor | precision | recall | coverage | s / G step | extra |")
    print("|---|---|---|---|---|---|---|---|")
    for name in gans:
        config = TrainConfig(gan=name, model=args.model, seed=args.seed)
        minigan.manual_seed(args.seed)
        gan = make_gan(name, args.model, z_dim=config.z_dim, **config.gan_settings())
        rng = numpy.random.default_rng(args.seed)
        g_steps, t0 = 0, time.perf_counter()
        while g_steps < args.g_steps:
            idx = rng.integers(0, len(data.images), args.batch_size)
            real, labels = tensor(data.images[idx]), tensor(data.labels[idx].astype(numpy.int64))
            out = gan.train_step(real, labels) if gan.conditional else gan.train_step(real)
            g_steps += "g_loss" in out
        seconds = (time.perf_counter() - t0) / args.g_steps
        images = generate(gan.noise_to_images(seed=args.seed + 2), args.n, config.z_dim, seed=args.seed + 2)
        s = evaluate_images(images, classifier)
        row = {"gan": name, "model": args.model, "g_steps": args.g_steps, "seconds_per_g_step": seconds,
               **{k: s[k] for k in ("fid", "fid_floor", "n", "precision", "recall", "coverage")}}
        extra = ""
        if name == "cgan":
            # the share of samples that the classifier assigns to the label they were drawn for
            z_rng = numpy.random.default_rng(args.seed + 4)
            z, y = gan.class_grid_inputs(z_rng, config.z_dim, per_class=args.n // 10)
            imgs = gan.sample(tensor(z.astype(numpy.float32)), tensor(y))
            _, probs = classify(classifier, imgs.array.reshape(-1, 1, 28, 28))
            row["label_accuracy"] = float((minigan.backend.to_numpy(probs).argmax(1) == y).mean())
            extra = f"label accuracy {row['label_accuracy']:.3f}"
        if name == "infogan":
            z_rng = numpy.random.default_rng(args.seed + 4)
            z, c, c_cont = gan.inputs_for(tensor(z_rng.standard_normal((args.n, config.z_dim)).astype(numpy.float32)),
                                          z_rng)
            imgs = gan.sample(z, c, c_cont)
            _, probs = classify(classifier, imgs.array.reshape(-1, 1, 28, 28))
            acc, perm = matching_accuracy(c.numpy(), minigan.backend.to_numpy(probs).argmax(1))
            row["code_matching_accuracy"], row["code_to_digit"] = acc, perm.tolist()
            extra = f"code-digit matching {acc:.3f}"
        rows.append(row)
        print(f"| {name} | {s['fid']:.1f} | {s['fid_floor']:.2f} | {s['precision']:.3f} | {s['recall']:.3f} | "
              f"{s['coverage']}/10 | {seconds:.3f} | {extra} |", flush=True)
    return {"part": "mnist", "model": args.model, "g_steps": args.g_steps, "batch_size": args.batch_size,
            "n": args.n, "seed": args.seed, "rows": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("toy", "mnist"))
    parser.add_argument("--steps", type=int, default=1000, help="toy: generator steps per run")
    parser.add_argument("--seeds", default="0,1,2", help="toy: seeds")
    parser.add_argument("--toy-batch", type=int, default=256, help="toy: points per batch (the demo's 256)")
    parser.add_argument("--data", default="ring,grid", help="toy: datasets, comma-separated (default ring,grid)")
    parser.add_argument("--model", choices=("mlp", "dcgan"), default="mlp", help="mnist: network form")
    parser.add_argument("--gans", default="all", help="variants, comma-separated (default all that apply)")
    parser.add_argument("--g-steps", type=int, default=300, help="mnist: generator steps per variant")
    parser.add_argument("--batch-size", type=int, default=64, help="mnist: images per step")
    parser.add_argument("--n", type=int, default=2000, help="mnist: samples scored")
    parser.add_argument("--seed", type=int, default=0, help="mnist: seed")
    parser.add_argument("--json", default=None, help="write the results here too")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = toy(args) if args.part == "toy" else mnist(args)
    result["total_seconds"] = time.perf_counter() - t0
    print(f"total {result['total_seconds']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
