"""``minigan train --eval-every N``: score the generator every N epochs while it trains.

Every N-th epoch (and the last) the generator draws ``eval_n`` images from a fixed noise seed
and :func:`minigan.metrics.evaluate_images` scores them; the scores go into the run's
history under ``"eval"`` (one dict per evaluation, with its epoch), and ``fid.png`` shows
FID against the epoch beside its floor (the loss curves stay in ``curves.png``).
"""
import os

import matplotlib.pyplot as plt

from ..serialization import save_figure


class EpochEvaluator:
    def __init__(self, config):
        self.every, self.n, self.seed = config.eval_every, config.eval_n, config.seed
        self.classifier = None
        if self.every:
            from ..metrics import load_classifier
            # loaded before the first epoch, so a missing classifier stops the run at once
            self.classifier = load_classifier(config.dataset, config.backend)
            self.dataset, self.root, self.z_dim = config.dataset, config.data_root, config.z_dim

    def after_epoch(self, epoch, last, G, history, out, log=print):
        if not self.every or not (epoch % self.every == 0 or last):
            return
        from ..metrics import evaluate_images, generate
        scores = evaluate_images(generate(G, self.n, self.z_dim, seed=self.seed + 2), self.classifier,
                                 dataset=self.dataset, root=self.root)
        history.setdefault("eval", []).append(dict(scores, epoch=epoch))
        log(f"  epoch {epoch}: FID {scores['fid']:.2f} (floor {scores['fid_floor']:.2f}, N {scores['n']})  "
            f"IS {scores['inception_score']:.2f}  precision {scores['precision']:.3f}  "
            f"recall {scores['recall']:.3f}  coverage {scores['coverage']}/10")
        plot_fid(history["eval"], os.path.join(out, "fid.png"))


def plot_fid(evals, path):
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot([e["epoch"] for e in evals], [e["fid"] for e in evals], "o-", label="FID")
    ax.plot([e["epoch"] for e in evals], [e["fid_floor"] for e in evals], "--", color="gray",
            label="floor (train vs test)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"FID (N = {evals[-1]['n']})")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
