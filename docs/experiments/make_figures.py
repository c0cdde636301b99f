"""Draw the small figures of docs/experiments/ from a finished (or interrupted) run folder.

    PYTHONPATH=. python docs/experiments/make_figures.py /tmp/exp/mlp mlp 5,50,100
    PYTHONPATH=. python docs/experiments/make_figures.py /tmp/exp/dcgan dcgan 5,25,50

The sample grids come from the checkpoint's per-epoch frames (the run's fixed noise batch),
so an interrupted run still gives its last epoch; the curves and the FID plot are the
trainer's own figures (minigan.training), drawn again into this folder. The run folder
itself stays outside the repository (its checkpoint and GIF are megabytes).
"""
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minigan.serialization import save_figure  # noqa: E402
from minigan.training.evaluation import plot_fid  # noqa: E402
from minigan.training.figures import _grid_figure, plot_history  # noqa: E402
from minigan.training.run import load_checkpoint  # noqa: E402

HERE = Path(__file__).resolve().parent
NAMES = {"mlp": "MLP GAN", "dcgan": "DCGAN"}


def main(run, prefix, epochs):
    ckpt = load_checkpoint(run)
    history, frames, last = ckpt["history"], ckpt["frames"], ckpt["epoch"]
    first = last - len(frames) + 1            # frames[i] is the grid after epoch first + i
    name = NAMES[prefix]
    for epoch in sorted(set(epochs) | {last}):
        if not first <= epoch <= last:
            print(f"epoch {epoch}: not in the run (epochs {first}-{last}); skipped")
            continue
        fig = _grid_figure(frames[epoch - first].astype("float32") / 255, f"{name}, epoch {epoch}", scale=2)
        path = HERE / f"{prefix}_samples_epoch_{epoch:03d}.png"
        save_figure(fig, path, dpi=100)
        plt.close(fig)
        print(path.name, os.path.getsize(path), "bytes")
    for path, draw in ((HERE / f"{prefix}_curves.png", lambda p: plot_history(history, p, title=f"{name} on MNIST")),
                       (HERE / f"{prefix}_fid.png", lambda p: plot_fid(history["eval"], p) if history.get("eval") else None)):
        draw(path)
        if path.exists():
            print(path.name, os.path.getsize(path), "bytes")
    seconds = history["seconds"] if "seconds" in history else None
    if seconds:
        print(f"epochs {history['epoch'][0]}-{history['epoch'][-1]}: training {sum(seconds):.0f} s, "
              f"median {sorted(seconds)[len(seconds) // 2]:.1f} s an epoch, min {min(seconds):.1f}, max {max(seconds):.1f}")
    for e in history.get("eval", []):
        print(f"| {e['epoch']} | {e['fid']:.1f} | {e['fid_floor']:.1f} | {e['n']} | {e['inception_score']:.2f} | "
              f"{e['precision']:.3f} | {e['recall']:.3f} | {e['coverage']}/10 |")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] not in NAMES:
        sys.exit("usage: make_figures.py RUN_FOLDER {mlp,dcgan} EPOCHS (e.g. 5,50,100)")
    main(sys.argv[1], sys.argv[2], [int(e) for e in sys.argv[3].split(",")])
