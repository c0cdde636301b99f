"""minigan.workspace: large scratch arrays are handed out again only once nothing holds them."""
import numpy as np
import pytest

import minigan
import minigan.functional as F
from minigan import workspace

LIKE = np.empty(1, dtype=np.float32)
BIG = (workspace.MIN_BYTES // 4 + 1024,)          # float32 elements: above the cache's threshold


def address(a):
    """Where an array's memory starts (holding a.base itself would keep it out of the cache)."""
    return a.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def fresh_cache():
    workspace.empty_cache()
    yield
    workspace.empty_cache()


def test_a_dropped_array_is_handed_out_again_and_a_held_one_never():
    a = workspace.empty(BIG, np.float32, like=LIKE)
    b = workspace.empty(BIG, np.float32, like=LIKE)
    assert not np.shares_memory(a, b)              # a is held: b must be new memory
    a_memory = address(a)
    del a
    c = workspace.empty(BIG, np.float32, like=LIKE)
    assert address(c) == a_memory                      # nothing held a's memory any more
    assert not np.shares_memory(c, b)


def test_emptying_the_cache_drops_the_unused_arrays_behind_a_held_one_of_the_same_size():
    held = workspace.empty(BIG, np.float32, like=LIKE)
    held[...] = 1
    free = workspace.empty(BIG, np.float32, like=LIKE)
    free[...] = 2
    del free
    cached = workspace.cached_bytes()
    workspace.empty_cache()                        # drops the second array of the list, not the first
    assert workspace.cached_bytes() == cached - held.nbytes
    assert address(workspace.empty(BIG, np.float32, like=LIKE)) != address(held)
    assert (held == 1).all()


def test_a_view_keeps_its_memory_out_of_the_cache():
    a = workspace.empty(BIG, np.float32, like=LIKE)
    view = a[10:20].reshape(2, 5)
    memory = address(a)
    del a
    b = workspace.empty(BIG, np.float32, like=LIKE)
    assert address(b) != memory and not np.shares_memory(b, view)
    del view
    c = workspace.empty(BIG, np.float32, like=LIKE)
    assert address(c) == memory


def test_a_request_of_another_size_or_dtype_gets_other_memory():
    a = workspace.empty(BIG, np.float32, like=LIKE)
    memory = address(a)
    del a
    assert address(workspace.empty((BIG[0] + 1,), np.float32, like=LIKE)) != memory
    assert address(workspace.empty((BIG[0] // 2,), np.float64, like=LIKE)) != memory   # same bytes, other dtype
    same_bytes = workspace.empty((2, BIG[0] // 2), np.float32, like=LIKE)               # another shape, same bytes
    assert address(same_bytes) == memory and same_bytes.shape == (2, BIG[0] // 2)


def test_small_arrays_are_not_cached():
    before = workspace.cached_bytes()
    small = workspace.empty((16, 16), np.float32, like=LIKE)
    assert small.flags.owndata and workspace.cached_bytes() == before


def test_empty_like_keeps_a_channels_last_layout_and_zeros_are_zero():
    x = np.ones((8, 64, 32, 32), dtype=np.float32).transpose(0, 3, 1, 2)     # (N, C, H, W) view, channels-last
    e = workspace.empty_like(x)
    assert e.shape == x.shape and e.strides == x.strides and e.dtype == x.dtype
    mask = workspace.empty_like(x, dtype=bool)
    assert mask.dtype == bool and mask.transpose(0, 2, 3, 1).flags.c_contiguous
    e.fill(7)
    del e
    z = workspace.zeros((8, 32, 32, 64), np.float32, like=LIKE)    # the same memory, filled again
    assert not z.any()


def test_the_cache_drops_unused_arrays_beyond_its_limit(monkeypatch):
    # arrays that other tests' objects still hold (a module-scoped model's .grad) stay cached
    # and in use: only what this test adds is measured
    held = workspace.cached_bytes()
    monkeypatch.setattr(workspace, "LIMIT_BYTES", 3 * BIG[0] * 4)
    for size in range(6):                          # six sizes, each dropped at once
        workspace.empty((BIG[0] + size,), np.float32, like=LIKE)
    assert workspace.cached_bytes() - held <= 4 * (BIG[0] + 6) * 4   # the limit, plus the newest one
    workspace.empty_cache()
    assert workspace.cached_bytes() == held


def test_an_output_a_caller_holds_is_not_overwritten_by_later_calls():
    # the kernels take their patch matrices, buffers and outputs from the cache: results held
    # from one call must survive the next calls of the same shape
    rng = np.random.default_rng(0)
    xs = [minigan.tensor(rng.standard_normal((32, 64, 14, 14)).astype(np.float32)) for _ in range(3)]
    w = minigan.tensor(rng.standard_normal((128, 64, 4, 4)).astype(np.float32) * 0.05)
    first = [F.leaky_relu(F.conv2d(x, w, stride=2, padding=1), 0.2) for x in xs]
    copies = [y.numpy().copy() for y in first]
    for x in xs[::-1]:                             # the same shapes again, in another order
        F.batch_norm(F.conv2d(x, w, stride=2, padding=1), None, None)
    for y, c in zip(first, copies):
        np.testing.assert_array_equal(y.numpy(), c)
    again = [F.leaky_relu(F.conv2d(x, w, stride=2, padding=1), 0.2).numpy() for x in xs]
    for a, c in zip(again, copies):
        np.testing.assert_array_equal(a, c)        # reused memory gives the same results, bit for bit


@pytest.mark.parametrize("model, shape, least_cached", [
    ("dcgan", (64, 1, 28, 28), 20 * 2 ** 20),    # the patch matrices and activations
    ("mlp", (128, 784), 2 ** 20),                # the 800 KB weight gradients and their .grad
])
def test_a_training_step_after_the_first_makes_no_new_large_array(model, shape, least_cached):
    # the point of the cache: every large array of a step is memory an earlier step used, so
    # no fresh pages are faulted in (without it, ~7,600 faults a DCGAN step and ~370 an MLP
    # step on one thread: benchmarks/NOTES.md)
    from minigan.models import build_gan
    from minigan.training.gan import GAN
    minigan.manual_seed(0)
    gan = GAN(*build_gan(model), 100)
    real = minigan.tensor(np.tanh(np.random.default_rng(0).standard_normal(shape)).astype(np.float32))
    gan.train_step(real)
    made, cached = workspace.arrays_made(), workspace.cached_bytes()
    assert cached > least_cached
    for _ in range(2):
        gan.train_step(real)
    assert workspace.arrays_made() == made and workspace.cached_bytes() == cached
