"""minigan.parallel: the batch cut into fixed chunks and run on a pool of threads.

The promise checked here: results do not depend on the number of threads. Each chunked kernel
gives the same bits with 1 and with 2 threads; the elementwise ones and the im2col/col2im
copies give the bits of their plain form (the formula on the whole batch in one call); those
with a matrix product or a channel sum give the plain form's values to rounding (a block of a
product can round differently from the whole product under some BLAS kernels, measured with
OpenBLAS's Haswell ones; batch norm adds its sums chunk by chunk). And a few DCGAN training
steps from one seed end in bit-identical weights with 1 and with 2 threads.
"""
import numpy as np
import pytest

import minigan
import minigan.functional as F
from minigan import parallel, threads
from minigan.functional import im2col as im2col_module
from minigan.models import build_gan
from minigan.training.gan import GAN


@pytest.fixture
def restore_threads():
    from threadpoolctl import threadpool_limits
    before_blas, before = threads.get_blas_threads(), threads.get_num_threads()
    yield
    threads.set_threads(before)
    threadpool_limits(limits=before_blas, user_api="blas")


def _channels_last(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _leaf(a):
    return minigan.tensor(a).requires_grad_()


# every chunked kernel of the DCGAN at its shapes (batch 32: several chunks each), forward and
# backward; returns the output and every gradient as arrays
def _conv_case(rng):
    x = _leaf(_channels_last(rng.standard_normal((32, 64, 14, 14)).astype(np.float32)))
    w = _leaf((0.05 * rng.standard_normal((128, 64, 4, 4))).astype(np.float32))
    b = _leaf(rng.standard_normal(128).astype(np.float32))
    return [x, w, b], lambda: F.conv2d(x, w, b, stride=2, padding=1)


def _conv_transpose_case(rng):
    x = _leaf(_channels_last(rng.standard_normal((32, 256, 7, 7)).astype(np.float32)))
    w = _leaf((0.05 * rng.standard_normal((256, 128, 4, 4))).astype(np.float32))
    return [x, w], lambda: F.conv_transpose2d(x, w, stride=2, padding=1)


def _batch_norm_case(rng):
    x = _leaf(_channels_last(rng.standard_normal((32, 128, 14, 14)).astype(np.float32)))
    w = _leaf(rng.uniform(0.5, 1.5, 128).astype(np.float32))
    b = _leaf(rng.standard_normal(128).astype(np.float32))
    return [x, w, b], lambda: F.batch_norm(x, None, None, w, b, training=True)


def _relu_case(rng):
    x = _leaf(_channels_last(rng.standard_normal((32, 128, 14, 14)).astype(np.float32)))
    return [x], lambda: F.relu(x)


def _leaky_relu_case(rng):
    x = _leaf(_channels_last(rng.standard_normal((32, 64, 14, 14)).astype(np.float32)))
    return [x], lambda: F.leaky_relu(x, 0.2)


CASES = {"conv2d": _conv_case, "conv_transpose2d": _conv_transpose_case, "batch_norm": _batch_norm_case,
         "relu": _relu_case, "leaky_relu": _leaky_relu_case}


def _run_case(name, n_threads):
    threads.set_threads(n_threads)
    rng = np.random.default_rng(0)
    inputs, fn = CASES[name](rng)
    out = fn()
    out.backward(minigan.tensor(rng.standard_normal(out.shape).astype(np.float32)))
    return [out.array.copy()] + [t.grad.array.copy() for t in inputs]


def _plain(monkeypatch):
    """Every kernel in one chunk: the plain formula on the whole batch."""
    monkeypatch.setattr(parallel, "chunks", lambda n, *args, **kwargs: [slice(0, n)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_chunked_kernel_gives_the_same_bits_with_one_and_two_threads(name, restore_threads):
    assert len(parallel.chunks(32, 128 * 14 * 14)) > 1          # the cases really are cut up
    one, two = _run_case(name, 1), _run_case(name, 2)
    for a, b in zip(one, two):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_a_chunked_elementwise_kernel_equals_its_plain_form_bit_for_bit(name, restore_threads, monkeypatch):
    chunked = _run_case(name, 2)
    _plain(monkeypatch)
    plain = _run_case(name, 1)
    for a, b in zip(chunked, plain):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d", "batch_norm"])
def test_a_chunked_kernel_with_products_or_sums_matches_its_plain_form(name, restore_threads, monkeypatch):
    chunked = _run_case(name, 2)
    _plain(monkeypatch)
    plain = _run_case(name, 1)
    for a, b in zip(chunked, plain):
        scale = np.abs(b).max()
        assert scale > 0
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * scale)


def test_matmul_in_blocks_is_the_product_and_the_same_for_any_thread_count(restore_threads):
    rng = np.random.default_rng(2)
    for shape_a, shape_b in (((3000, 64), (64, 96)), ((96, 64), (64, 3000)), ((128, 784), (784, 256)), ((5, 7), (7, 3)),
                             ((3000, 1), (1, 500))):
        a = rng.standard_normal(shape_a).astype(np.float32)
        b = rng.standard_normal(shape_b).astype(np.float32)
        threads.set_threads(1)
        one = parallel.matmul(a, b)
        threads.set_threads(2)
        two = parallel.matmul(a.T.copy().T, b)          # an F-ordered operand too
        np.testing.assert_array_equal(one, two)
        exact = a.astype(np.float64) @ b.astype(np.float64)
        np.testing.assert_allclose(one, exact, rtol=1e-4, atol=1e-4 * np.abs(exact).max())
        assert one.dtype == np.float32 and one.shape == (shape_a[0], shape_b[1])


def test_a_short_product_is_cut_in_blocks_only_when_its_shared_operand_is_small(restore_threads, monkeypatch):
    # each block of a product reads the whole of the other operand: blocks of 128-511 rows are
    # allowed when that operand fits in cache (the MLP's (128, 784) @ (784, 256)), not when it
    # is read again from memory per block (a DCGAN weight gradient, (128, 6272) @ (6272, 1024))
    threads.set_threads(2)
    cuts = []
    real_run = parallel.run

    def run(fn, n, *args, **kw):
        parts = real_run(fn, n, *args, **kw)
        cuts.append(len(parts))
        return parts
    monkeypatch.setattr(parallel, "run", run)
    rng = np.random.default_rng(3)
    for (m, k, n), blocks in (((128, 784, 256), 2), ((128, 256, 784), 2), ((784, 128, 256), 2),
                              ((128, 6272, 1024), 2), ((128, 256, 128), 0)):
        cuts.clear()
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        out = parallel.matmul(a, b)
        assert cuts == ([blocks] if blocks else []), (m, k, n, cuts)
        np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-4 * np.abs(out).max())


def test_mlp_weights_are_bit_identical_after_training_with_one_and_two_threads(restore_threads):
    one, two = (_train("mlp", n, steps=3, shape=(128, 784)) for n in (1, 2))
    assert len(one) == len(two) == 12
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_an_outer_product_is_one_correctly_rounded_multiply_an_element(restore_threads):
    # k = 1 is computed as a broadcast multiply: each element is a float32 product rounded once,
    # which the float64 product rounded to float32 is too
    rng = np.random.default_rng(3)
    a = rng.standard_normal((128, 1)).astype(np.float32)
    b = rng.standard_normal((1, 6272)).astype(np.float32)
    np.testing.assert_array_equal(parallel.matmul(a, b), (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32))


@pytest.mark.parametrize("n, per_item, min_items", [(128, 12544, 1), (6272, 2304, 128), (256, 912, 128),
                                                    (1000, 1024, 1), (7, 1 << 16, 1), (3000, 100, 700)])
def test_chunks_are_a_power_of_two_of_near_equal_slices_covering_the_range(n, per_item, min_items):
    parts = parallel.chunks(n, per_item, min_items=min_items)
    count = len(parts)
    assert count & (count - 1) == 0                       # 1, 2, 4, 8, ...
    assert parts[0].start == 0 and parts[-1].stop == n
    assert all(a.stop == b.start for a, b in zip(parts, parts[1:]))
    sizes = [s.stop - s.start for s in parts]
    assert max(sizes) - min(sizes) <= 1
    assert count == 1 or min(sizes) >= min_items
    if n * per_item > parallel.SMALL and n // parallel.MIN_CHUNKS >= min_items:
        assert count >= parallel.MIN_CHUNKS


def test_adam_by_chunks_gives_the_bits_of_the_whole_array_update_for_any_thread_count(restore_threads, monkeypatch):
    def run(n_threads):
        threads.set_threads(n_threads)
        rng = np.random.default_rng(4)
        p = minigan.tensor(rng.standard_normal((700, 300)).astype(np.float32)).requires_grad_()
        opt = minigan.optim.Adam([p], lr=1e-2, betas=(0.5, 0.999))
        for _ in range(3):
            p.grad = minigan.tensor(rng.standard_normal(p.shape).astype(np.float32))
            opt.step()
        return p.array.copy(), opt.state[p]["exp_avg_sq"].copy()

    assert len(parallel.chunks(700, 300)) > 1
    one, two = run(1), run(2)
    monkeypatch.setattr(parallel, "SMALL", 1 << 40)       # the whole array in one call
    whole = run(1)
    for a, b, c in zip(one, two, whole):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_im2col_and_col2im_chunked_equal_a_direct_loop(restore_threads):
    # an independent computation: the patch matrix and its adjoint written as loops
    threads.set_threads(2)
    rng = np.random.default_rng(1)
    c, h, w = 8, 16, 15
    x = rng.standard_normal((40, c, h, w)).astype(np.float32)
    k, s, p = (3, 2), (2, 1), (1, 0)
    ho, wo = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    assert len(parallel.chunks(40, ho * wo * 6 * c)) > 1
    cols = im2col_module.im2col(x, k, s, p, (1, 1), (ho, wo))
    xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    expect = np.empty_like(cols)
    back = np.zeros_like(xpad)
    g = rng.standard_normal(cols.shape).astype(np.float32)
    for n in range(40):
        for i in range(ho):
            for j in range(wo):
                r = (n * ho + i) * wo + j
                patch = xpad[n, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]   # (c, a, b)
                expect[r] = patch.transpose(1, 2, 0).ravel()
                back[n, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]] += \
                    g[r].reshape(k[0], k[1], c).transpose(2, 0, 1)
    np.testing.assert_array_equal(cols, expect)
    got = im2col_module.col2im(g, x.shape, k, s, p, (1, 1), (ho, wo))
    np.testing.assert_allclose(got, back[:, :, p[0]:p[0] + h, p[1]:p[1] + w], rtol=1e-6, atol=1e-6)


def _train(model, n_threads, steps=2, shape=(32, 1, 28, 28)):
    """The parameters and buffers of ``model``'s GAN after ``steps`` steps from seed 0 on
    ``n_threads`` threads, on batches of random images of ``shape``."""
    threads.set_threads(n_threads)
    minigan.manual_seed(0)
    G, D = build_gan(model)
    gan = GAN(G, D, 100)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        gan.train_step(minigan.tensor(np.tanh(rng.standard_normal(shape)).astype(np.float32)))
    return [p.array.copy() for p in list(G.parameters()) + list(D.parameters())] + \
           [b.array.copy() for b in list(G.buffers()) + list(D.buffers())]


@pytest.mark.slow
def test_dcgan_weights_are_bit_identical_after_training_with_one_and_two_threads(restore_threads):
    one, two = _train("dcgan", 1), _train("dcgan", 2)
    assert len(one) == len(two) > 10
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_one_thread_runs_the_chunks_in_the_caller_without_a_pool(restore_threads):
    import threading
    threads.set_threads(1)
    seen = parallel.run(lambda s: threading.current_thread().name, 64, per_item=1 << 14)
    assert len(seen) > 1 and set(seen) == {threading.current_thread().name}
    # two threads: the caller and the pool's thread each take a chunk, at the same time (each
    # chunk waits for the other; one thread alone would break the barrier)
    threads.set_threads(2)
    barrier = threading.Barrier(2, timeout=10)

    def meet(s):
        barrier.wait()
        return threading.current_thread().name
    seen = parallel.run(meet, 2, per_item=1 << 18)
    assert len(seen) == 2 and seen[0] != seen[1]
    assert {threading.current_thread().name, "minigan-0"} == set(seen)


def test_linear_backward_gives_the_same_bits_with_one_and_two_threads(restore_threads):
    def grads(n_threads):
        threads.set_threads(n_threads)
        rng = np.random.default_rng(6)
        x = _leaf(rng.standard_normal((128, 256)).astype(np.float32))
        w = _leaf(rng.standard_normal((784, 256)).astype(np.float32))
        F.linear(x, w).backward(minigan.tensor(rng.standard_normal((128, 784)).astype(np.float32)))
        return x.grad.array, w.grad.array
    (x1, w1), (x2, w2) = grads(1), grads(2)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(w1, w2)


def test_partial_sums_come_back_in_chunk_order(restore_threads):
    threads.set_threads(2)
    parts = parallel.run(lambda s: (s.start, s.stop), 1000, per_item=1 << 10)
    assert parts == [(s.start, s.stop) for s in parallel.chunks(1000, 1 << 10)]
    assert parts[0][0] == 0 and parts[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))


def test_the_chunk_size_does_not_depend_on_the_thread_count(restore_threads):
    threads.set_threads(1)
    one = parallel.chunks(128, 12544)
    threads.set_threads(2)
    assert parallel.chunks(128, 12544) == one and len(one) >= parallel.MIN_CHUNKS


def test_an_error_in_a_chunk_reaches_the_caller(restore_threads):
    threads.set_threads(2)

    def fail(s):
        raise ValueError(f"chunk {s.start}")

    with pytest.raises(ValueError, match="chunk"):
        parallel.run(fail, 64, per_item=1 << 14)


def test_set_num_threads_is_pytorchs(restore_threads):
    assert minigan.set_num_threads(2) is None
    assert minigan.get_num_threads() == 2 and threads.get_blas_threads() == 1
    minigan.set_num_threads(1)
    assert minigan.get_num_threads() == 1
    for bad in (0, -2, 1.5, None, "2"):
        with pytest.raises(ValueError, match="positive integer"):
            minigan.set_num_threads(bad)
