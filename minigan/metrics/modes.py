"""Mode metrics on the 2-D toy data: the ring of 8 Gaussians and the 5x5 grid of 25.

Over 2,500 samples (the mode-collapse literature's convention: VEEGAN, PacGAN), each sample
belongs to its nearest center and is *high quality* when within 3 standard deviations of it;
a mode is covered when it has enough high-quality samples (the rule of
:func:`minigan.data.count_modes`, which this calls).
"""
from ..data.toy import GRID_STD, count_modes, grid_centers, mode_centers

TOY_DATASETS = {"ring": dict(centers=lambda: mode_centers(8, 2.0), std=0.02),
                "grid": dict(centers=lambda: grid_centers(5, 2.0), std=GRID_STD)}
DEFAULT_SAMPLES = 2500


def mode_metrics(points, dataset="ring"):
    """{"modes", "of_modes", "high_quality", "n"} for ``points`` (n, 2) on ``dataset``."""
    if dataset not in TOY_DATASETS:
        raise ValueError(f"mode_metrics: dataset must be 'ring' or 'grid', got {dataset!r}")
    spec = TOY_DATASETS[dataset]
    centers = spec["centers"]()
    result = count_modes(points, std=spec["std"], centers=centers)
    return {"modes": result.modes, "of_modes": len(centers), "high_quality": result.high_quality,
            "n": int(len(points))}
