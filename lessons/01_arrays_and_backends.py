"""Lesson 01: arrays and backends.

What you learn here:
  * a minigan Tensor is a NumPy array (on the CPU) or a CuPy array (on an NVIDIA GPU) plus the
    bookkeeping autograd needs; ``.array`` is that array, ``.numpy()`` always gives NumPy;
  * the idiom that lets one function run on both: ``xp = minigan.backend.get_array_module(x)``;
  * how to move a tensor between backends with ``.to("cupy")`` / ``.to("numpy")``;
  * why minigan uses float32 by default, and what float64 buys (precision) and costs (memory,
    speed);
  * how to time an operation fairly on each backend (a GPU runs asynchronously, so you must
    synchronise before reading the clock), and what the timing shows: float32 products are
    faster than float64 ones.

Notation: t a Tensor, ``t.array`` its raw NumPy/CuPy array, xp the array module of an array
(``backend.get_array_module``), eps the machine epsilon of a dtype (``numpy.finfo(dtype).eps``).

Source: minigan/backend.py, minigan/tensor.py

Run:  python lessons/01_arrays_and_backends.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Arrays and backends
# Everything in minigan sits on one of two array libraries with the same interface: NumPy on the
# CPU, CuPy on an NVIDIA GPU. This lesson shows how minigan chooses between them.

# %%
import time

import numpy

from _common import check, save, setup

import minigan
from minigan import backend

args = setup("01_arrays_and_backends", "Tensors on NumPy and CuPy, one code for both backends, float32 against "
                       "float64, and timing a matrix product on each backend.")

# %% [markdown]
# ## 1. A tensor wraps an array
# `minigan.tensor` copies its input into an array of the *active* backend (chosen with
# `--backend`, i.e. `minigan.set_backend`). Python floats become float32, the default dtype.

# %%
t = minigan.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("t =", t)
print(f"t.backend = {t.backend!r}, t.dtype = {t.dtype}, t.shape = {t.shape}")
print(f"type of t.array: {type(t.array).__module__}.{type(t.array).__name__}")
print(f"active backend: {args.backend}")
check(t.backend == args.backend, "new tensors live on the active backend (the one chosen with --backend)")
check(t.dtype == minigan.float32, "Python floats become float32, minigan's default dtype")
check(isinstance(t.numpy(), numpy.ndarray), ".numpy() always returns a NumPy array (copied from the GPU if needed)")

# A NumPy array keeps its own dtype: float64 stays float64 (minigan never casts silently).
t64 = minigan.tensor(numpy.array([0.1, 0.2, 0.3]))
print(f"from a float64 NumPy array: dtype {t64.dtype}")
check(t64.dtype == minigan.float64, "a tensor made from a float64 NumPy array keeps float64")

# %% [markdown]
# ## 2. One function, two backends: the `xp` idiom
# A kernel never writes `numpy.` directly. It asks its input which module it belongs to and
# calls that module: the same line then runs on NumPy arrays and on CuPy arrays.

# %%


def softplus(x):
    """log(1 + exp(x)), written once for NumPy and CuPy arrays (and stable for large |x|)."""
    xp = backend.get_array_module(x)          # numpy for NumPy arrays, cupy for CuPy arrays
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


x = minigan.tensor([-30.0, -1.0, 0.0, 1.0, 30.0])
y = softplus(x.array)                            # raw arrays in, raw array out
print("softplus", x.numpy(), "=", backend.to_numpy(y))
check(backend.backend_of(y) == x.backend, "the xp idiom keeps the result on the input's backend")
check(abs(float(backend.to_numpy(y)[2]) - numpy.log(2)) < 1e-6, "softplus(0) = log 2")
check(float(backend.to_numpy(y)[4]) == 30.0, "the stable form gives softplus(30) = 30 in float32 with no overflow")

# %% [markdown]
# ## 3. Is a GPU here? Moving tensors between backends
# `minigan.cupy_available()` answers without raising; asking for the cupy backend where it is
# not available fails with a message that says why.

# %%
gpu = minigan.cupy_available()
print(f"minigan.cupy_available() = {gpu}")
if not gpu:
    try:
        backend.get_module("cupy")
    except backend.BackendError as e:
        print("CuPy cannot be used on this machine:", e)
    print("The rest of the lesson runs on NumPy only; run it on a GPU machine with --backend cupy.")

cpu_tensor = minigan.tensor(numpy.arange(6, dtype=numpy.float32).reshape(2, 3)).to("numpy")
check(cpu_tensor.to("numpy") is cpu_tensor,
      "moving a tensor to the backend it is already on is free (the same tensor comes back)")
if gpu:
    on_gpu = cpu_tensor.to("cupy")
    back = on_gpu.to("numpy")
    print(f"{cpu_tensor.backend} -> {on_gpu.backend} -> {back.backend}")
    check(on_gpu.backend == "cupy" and back.backend == "numpy", ".to('cupy') and .to('numpy') move a tensor")
    check(numpy.array_equal(back.numpy(), cpu_tensor.numpy()), "a round trip CPU -> GPU -> CPU is exact")

# %% [markdown]
# ## 4. float32 against float64
# float32 keeps about 7 significant decimal digits (machine epsilon 2^-23 ~ 1.2e-7), float64
# about 16 (2^-52 ~ 2.2e-16). Neural networks tolerate float32's rounding and gain half the
# memory and, usually, twice the arithmetic speed. Gradient checking (lesson 03) needs float64.

# %%
eps32, eps64 = numpy.finfo(numpy.float32).eps, numpy.finfo(numpy.float64).eps
print(f"machine epsilon: float32 {eps32:.3g}, float64 {eps64:.3g}")
one32 = minigan.tensor([1.0], dtype=minigan.float32)
one64 = minigan.tensor([1.0], dtype=minigan.float64)
tiny = 1e-8
print(f"1 + 1e-8 in float32: {(one32 + tiny).item()!r}; in float64: {(one64 + tiny).item()!r}")
check((one32 + tiny).item() == 1.0, "in float32, 1 + 1e-8 rounds back to exactly 1 (1e-8 < eps/2)")
check((one64 + tiny).item() != 1.0, "in float64, 1 + 1e-8 is different from 1")

n = 256 if args.quick else 1024
rng = numpy.random.default_rng(args.seed)
# minigan.tensor copies a NumPy array to the active backend (set once by --backend)
a64 = minigan.tensor(rng.standard_normal((n, n)))       # float64
b64 = minigan.tensor(rng.standard_normal((n, n)))
a32, b32 = a64.float(), b64.float()
check(a32.array.nbytes * 2 == a64.array.nbytes, "a float32 matrix takes half the memory of a float64 one")
exact = (a64 @ b64).numpy()
rel_err32 = numpy.abs((a32 @ b32).numpy() - exact).max() / numpy.abs(exact).max()
print(f"{n}x{n} matmul, float32 against float64: largest error {rel_err32:.2e} (relative to the largest entry)")
check(1e-9 < rel_err32 < 1e-4, "a float32 matrix product agrees with float64 to about 6 digits, not 16")

# %% [markdown]
# ## 5. Timing the same operation on each backend
# CuPy launches GPU work and returns at once; the clock must wait for the GPU to finish
# (`synchronize`), or you time only the launch. The first call also pays one-off costs
# (loading kernels, warming caches), so it is done once before timing. On a shared machine
# other work slows some repeats down, never speeds one up, so the fastest repeat is the best
# estimate of the operation's own cost. A float32 product moves half the bytes and, with SIMD,
# does twice the multiply-adds per instruction: BLAS should run it clearly faster than float64.

# %%


def sync(t):
    xp = backend.get_array_module(t.array)
    if xp is not numpy:
        xp.cuda.Device().synchronize()


def time_matmul(a, b, repeats):
    """The fastest of ``repeats`` timed products, each synchronised, after one untimed warm-up."""
    sync(a @ b)                                        # warm-up, not timed
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        sync(a @ b)
        best = min(best, time.perf_counter() - start)
    return best


size = 1024                                       # the same size in quick mode: it is cheap
repeats = 5 if args.quick else 10
timings = {}
for name in ["numpy"] + (["cupy"] if gpu else []):
    for dtype in (minigan.float32, minigan.float64):
        host = rng.standard_normal((size, size)).astype(dtype)
        a = minigan.as_tensor(backend.to_backend(host, name))
        b = minigan.as_tensor(backend.to_backend(host.T.copy(), name))
        seconds = time_matmul(a, b, repeats)
        gflops = 2 * size ** 3 / seconds / 1e9
        timings[f"{name}\n{dtype}"] = seconds * 1e3
        print(f"{size}x{size} matmul on {name:5s} in {str(dtype):7s}: {seconds * 1e3:8.3f} ms  ({gflops:7.1f} GFLOP/s)")
ratio = timings["numpy\nfloat64"] / timings["numpy\nfloat32"]
print(f"on NumPy, float64 takes {ratio:.1f}x as long as float32")
check(ratio > 1.3, "on the CPU a float32 matrix product is clearly faster than a float64 one (> 1.3x)")
if not gpu:
    print("(no GPU timings: CuPy is not available on this machine, see above)")

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.bar(list(timings), list(timings.values()), color=["C0", "C1", "C2", "C3"][:len(timings)])
ax.set_ylabel("milliseconds per matmul (fastest repeat)")
ax.set_xlabel("backend and dtype")
ax.set_yscale("log")
ax.set_title(f"{size}x{size} matrix product (lower is faster)")
fig.tight_layout()
save(fig, args, "matmul_timings.png")

print("\nNext: lesson 02 builds the graph that autograd differentiates.")
