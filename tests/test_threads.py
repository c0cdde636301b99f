"""minigan.threads: the BLAS thread count, set once through threadpoolctl."""
import numpy as np
import pytest

from minigan import threads


def test_set_threads_changes_what_blas_reports_and_results_stay_close():
    a = np.random.default_rng(0).standard_normal((300, 300))
    before = threads.get_threads()
    try:
        assert threads.set_threads(1) == 1 and threads.get_threads() == 1
        one = a @ a
        assert threads.set_threads(2) == 2 and threads.get_threads() == 2
        np.testing.assert_allclose(a @ a, one, rtol=1e-10, atol=1e-10)
    finally:
        threads.set_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_thread_count_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        threads.set_threads(bad)


def test_default_comes_from_the_environment_or_is_one(monkeypatch):
    monkeypatch.delenv("MINIGAN_THREADS", raising=False)
    assert threads.default_threads() == threads.DEFAULT_THREADS == 1
    monkeypatch.setenv("MINIGAN_THREADS", "3")
    assert threads.default_threads() == 3
    monkeypatch.setenv("MINIGAN_THREADS", "many")
    with pytest.raises(ValueError, match="MINIGAN_THREADS='many'"):
        threads.default_threads()
