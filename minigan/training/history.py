"""The one schema of a training history, shared by the MNIST run, the demo and the figures.

    {"epoch": [1, 2, ...],                       one entry per finished epoch
     "d_loss": [...], "g_loss": [...],           the epoch's mean losses
     "d_x": [...], "d_g_z": [...],               the epoch's mean D(x) and D(G(z))
     "seconds": [...],                           how long the epoch took
     "steps": {"d_loss": [...], "g_loss": [...], "d_x": [...], "d_g_z": [...],
               "epoch": [...]}}                  every step's values, and the epoch it belongs to

A run without epochs (the 2-D demo) fills only ``steps``. ``history.json`` holds this dict;
``history.csv`` its per-epoch part.
"""
import csv
import io

VALUES = ("d_loss", "g_loss", "d_x", "d_g_z")
EPOCH_COLUMNS = ("epoch",) + VALUES + ("seconds",)


def new_history():
    """An empty history."""
    return {**{key: [] for key in EPOCH_COLUMNS}, "steps": {key: [] for key in VALUES + ("epoch",)}}


def add_steps(history, steps, epoch=None):
    """Append per-step values (a dict of sequences, ``None`` for a value never computed)."""
    n = 0
    for key in VALUES:
        values = steps.get(key)
        if values is not None:
            history["steps"][key].extend(float(v) for v in values)
            n = max(n, len(values))
    history["steps"]["epoch"].extend([epoch] * n)


def add_epoch(history, epoch, means, seconds):
    """Append one finished epoch's means."""
    history["epoch"].append(epoch)
    for key in VALUES:
        history[key].append(means[key])
    history["seconds"].append(seconds)


def history_csv(history):
    """The per-epoch part as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EPOCH_COLUMNS)
    for row in zip(*(history[k] for k in EPOCH_COLUMNS)):
        w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    return buf.getvalue()
