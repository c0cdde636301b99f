"""The main job a newcomer runs first: the 2-D demo."""
import os

import pytest

from minigan.training.demo import run_demo


def _quiet(*a, **k):
    pass


def test_short_demo_writes_its_pictures_and_reports_coverage(tmp_path):
    result = run_demo(out=str(tmp_path), steps=50, progress=False, log=_quiet)
    assert sorted(os.listdir(tmp_path)) == ["demo_curves.png", "demo_points.png"]
    assert 0 <= result["modes_covered"] <= 8 and 0.0 <= result["high_quality"] <= 1.0
    assert result["per_mode"].sum() <= 2000


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("seed", range(5))
def test_default_demo_covers_all_eight_modes(tmp_path, seed, threads):
    # what the README promises for `minigan demo`: every mode is found, for seeds 0-4, with one
    # BLAS thread or two (the thread count changes the rounding of every product)
    from minigan.threads import get_blas_threads, set_threads
    before = get_blas_threads()
    try:
        set_threads(threads)
        result = run_demo(out=str(tmp_path), seed=seed, progress=False, log=_quiet)
    finally:
        set_threads(before)
    assert result["modes_covered"] == 8, result["per_mode"]
    assert result["high_quality"] > 0.5


def test_demo_rejects_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        run_demo(out=str(tmp_path), steps=0, log=_quiet)
    with pytest.raises(ValueError, match="batch_size"):
        run_demo(out=str(tmp_path), batch_size=-1, log=_quiet)
