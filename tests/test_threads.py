"""minigan.threads: minigan's thread count, set once; BLAS held to one thread through threadpoolctl."""
import numpy as np
import pytest

from minigan import threads


def test_set_threads_sets_minigans_count_and_holds_blas_to_one_thread():
    a = np.random.default_rng(0).standard_normal((300, 300))
    before, before_blas = threads.get_num_threads(), threads.get_blas_threads()
    try:
        assert threads.set_threads(1) == 1 and threads.get_num_threads() == 1 and threads.get_blas_threads() == 1
        one = a @ a
        assert threads.set_threads(2) == 2 and threads.get_num_threads() == 2
        assert threads.get_blas_threads() == 1           # BLAS's own threads would change the rounding
        np.testing.assert_array_equal(a @ a, one)
    finally:
        threads.set_threads(before)
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=before_blas, user_api="blas")


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
