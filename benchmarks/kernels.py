"""Time minigan's convolution, transposed-convolution, batch-norm and leaky-ReLU kernels at the
DCGAN's real sizes (batch 128 by default), forward and backward separately.

    python benchmarks/kernels.py                    # NumPy, and CuPy when a GPU answers
    python benchmarks/kernels.py --backend numpy --repeats 20 --json results.json
    python benchmarks/kernels.py --threads 2               # minigan.set_num_threads(2) first
    python benchmarks/kernels.py --tree /tmp/old --clock cpu   # another checkout's minigan, CPU time
    python benchmarks/kernels.py --threads 2 --torch-python /work/venv-torch/bin/python   # PyTorch beside it

Forward is timed through the public function (argument checks included, graph recorded);
backward by calling the op's own ``backward`` on the recorded node with a random upstream
gradient, so it measures the kernel and not autograd's bookkeeping. Each figure is the median
of ``--repeats`` runs after ``--warmup`` runs; on CuPy the device is synchronised before the
clock is read. GFLOP/s counts 2 FLOPs per multiply-add for the convolutions:

    conv2d            MACs = N * Ho * Wo * C_out * C_in * kH * kW
    conv_transpose2d  MACs = N * H_in * W_in * C_in * C_out * kH * kW
    backward          twice the forward (input gradient + weight gradient)

Activations and upstream gradients are made channels-last in memory (NCHW shape, NHWC
strides), because that is what minigan's convolutions produce and what every elementwise op
downstream of one keeps; ``--nchw`` uses plain C-contiguous arrays instead.

``--torch-python`` times the same kernels in PyTorch, in a process of its own (that Python
must have torch; this script's PyTorch worker imports nothing of minigan), with
``torch.set_num_threads`` set to ``--threads``, PyTorch's default (contiguous) layout, and its
backward through ``torch.autograd.grad`` for the input and the weight (or BN's scale and shift).
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

# --tree PATH: time the minigan of another checkout (an old commit) with this script
_TREE = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--tree"), None)
sys.path.insert(0, _TREE or os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# name, op, input shape (without the batch), weight shape, settings
CASES = [
    ("convT 100->256 k7 1->7", "convT", (100, 1, 1), (100, 256, 7, 7), dict(stride=1, padding=0)),
    ("convT 256->128 k4 s2 p1 7->14", "convT", (256, 7, 7), (256, 128, 4, 4), dict(stride=2, padding=1)),
    ("convT 128->1 k4 s2 p1 14->28", "convT", (128, 14, 14), (128, 1, 4, 4), dict(stride=2, padding=1)),
    ("conv 1->64 k4 s2 p1 28->14", "conv", (1, 28, 28), (64, 1, 4, 4), dict(stride=2, padding=1)),
    ("conv 64->128 k4 s2 p1 14->7", "conv", (64, 14, 14), (128, 64, 4, 4), dict(stride=2, padding=1)),
    ("batch_norm 256@7x7", "bn", (256, 7, 7), None, {}),
    ("batch_norm 128@14x14", "bn", (128, 14, 14), None, {}),
    ("leaky_relu 64x14x14", "lrelu", (64, 14, 14), None, {}),
    ("relu 128x14x14", "relu", (128, 14, 14), None, {}),
]


def _sync(xp):
    if xp.__name__ == "cupy":
        xp.cuda.Device().synchronize()


def _activation(xp, rng, shape, dtype, channels_last):
    a = rng.standard_normal(shape, dtype=dtype)
    a = xp.asarray(a)
    if channels_last and a.ndim == 4:
        a = xp.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return a


def _macs(kind, batch, in_shape, w_shape, out_shape):
    if kind == "conv":
        c_out, c_in, kh, kw = w_shape
        return batch * out_shape[2] * out_shape[3] * c_out * c_in * kh * kw
    if kind == "convT":
        c_in, c_out, kh, kw = w_shape
        return batch * in_shape[2] * in_shape[3] * c_in * c_out * kh * kw
    return None


def bench_case(case, xp, batch, repeats, warmup, channels_last, dtype="float32", clock=time.perf_counter):
    import minigan.functional as F
    from minigan import backend
    from minigan.tensor import as_tensor

    name, kind, in_shape, w_shape, settings = case
    rng = backend.get_module("numpy").random.default_rng(0)
    x = as_tensor(_activation(xp, rng, (batch,) + in_shape, dtype, channels_last)).requires_grad_()
    params = []
    if kind in ("conv", "convT"):
        w = as_tensor(xp.asarray(rng.standard_normal(w_shape, dtype=dtype) * 0.05)).requires_grad_()
        params = [w]
        fn = F.conv2d if kind == "conv" else F.conv_transpose2d

        def forward():
            return fn(x, w, None, **settings)
    elif kind == "bn":
        c = in_shape[0]
        weight = as_tensor(xp.ones(c, dtype=dtype)).requires_grad_()
        bias = as_tensor(xp.zeros(c, dtype=dtype)).requires_grad_()
        rm, rv = as_tensor(xp.zeros(c, dtype=dtype)), as_tensor(xp.ones(c, dtype=dtype))

        def forward():
            return F.batch_norm(x, rm, rv, weight, bias, training=True)
    elif kind == "relu":
        def forward():
            return F.relu(x)
    else:
        def forward():
            return F.leaky_relu(x, 0.2)

    out = forward()
    g = _activation(xp, rng, out.shape, dtype, channels_last)
    fwd, bwd = [], []
    for i in range(warmup + repeats):
        _sync(xp)
        t0 = clock()
        out = forward()
        _sync(xp)
        t1 = clock()
        node = out.grad_fn
        grads = node.fn.backward(node.ctx, g)
        _sync(xp)
        t2 = clock()
        del grads, out, node
        if i >= warmup:
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
    f_ms, b_ms = statistics.median(fwd) * 1e3, statistics.median(bwd) * 1e3
    out_shape = forward().shape
    macs = _macs(kind, batch, (batch,) + in_shape, w_shape, out_shape)
    row = {"kernel": name, "backend": xp.__name__, "input": [batch, *in_shape], "output": list(out_shape),
           "forward_ms": f_ms, "backward_ms": b_ms, "total_ms": f_ms + b_ms}
    if macs is not None:
        row["forward_gflops"] = 2 * macs / (f_ms * 1e-3) / 1e9
        row["backward_gflops"] = 2 * 2 * macs / (b_ms * 1e-3) / 1e9
    return row


def torch_worker(batch, repeats, warmup, threads, only):
    """The same kernels in PyTorch (run by ``--torch-python``): rows like bench_case's."""
    import torch
    import torch.nn.functional as TF

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rows = []
    for name, kind, in_shape, w_shape, settings in CASES:
        if only is not None and only not in name:
            continue
        x = torch.randn((batch,) + in_shape, requires_grad=True)
        if kind in ("conv", "convT"):
            params = [torch.randn(w_shape) * 0.05]
            params[0].requires_grad_()
            fn = TF.conv2d if kind == "conv" else TF.conv_transpose2d
            forward = lambda: fn(x, params[0], None, **settings)   # noqa: E731
        elif kind == "bn":
            c = in_shape[0]
            params = [torch.ones(c, requires_grad=True), torch.zeros(c, requires_grad=True)]
            rm, rv = torch.zeros(c), torch.ones(c)
            forward = lambda: TF.batch_norm(x, rm, rv, params[0], params[1], training=True)   # noqa: E731
        else:
            params = []
            forward = (lambda: TF.relu(x)) if kind == "relu" else (lambda: TF.leaky_relu(x, 0.2))  # noqa: E731
        g = torch.randn_like(forward())
        fwd, bwd = [], []
        for i in range(warmup + repeats):
            t0 = time.perf_counter()
            out = forward()
            t1 = time.perf_counter()
            torch.autograd.grad(out, [x] + params, g)
            t2 = time.perf_counter()
            del out
            if i >= warmup:
                fwd.append(t1 - t0)
                bwd.append(t2 - t1)
        rows.append({"kernel": name, "backend": "torch", "output": list(forward().shape),
                     "forward_ms": statistics.median(fwd) * 1e3, "backward_ms": statistics.median(bwd) * 1e3})
        rows[-1]["total_ms"] = rows[-1]["forward_ms"] + rows[-1]["backward_ms"]
    return {"torch": torch.__version__, "rows": rows}


def _torch_rows(python, args, threads):
    """Run :func:`torch_worker` under ``python`` in a fresh process; its rows."""
    import subprocess
    code = (f"import json, sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
            f"import kernels; print(json.dumps(kernels.torch_worker({args.batch}, {args.repeats}, "
            f"{args.warmup}, {threads}, {args.only!r})))")
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"the PyTorch worker failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def format_table(rows):
    head = ("kernel", "backend", "output", "fwd ms", "bwd ms", "fwd GFLOP/s", "bwd GFLOP/s")
    body = []
    for r in rows:
        gf = (f"{r['forward_gflops']:.1f}", f"{r['backward_gflops']:.1f}") if "forward_gflops" in r else ("-", "-")
        body.append((r["kernel"], r["backend"], "x".join(str(v) for v in r["output"][1:]),
                     f"{r['forward_ms']:.2f}", f"{r['backward_ms']:.2f}") + gf)
    for be in sorted({r["backend"] for r in rows}):
        sub = [r for r in rows if r["backend"] == be]
        body.append(("total (one of each)", be, "", f"{sum(r['forward_ms'] for r in sub):.2f}",
                     f"{sum(r['backward_ms'] for r in sub):.2f}", "", ""))
    widths = [max(len(row[j]) for row in [head] + body) for j in range(len(head))]
    lines = ["  ".join(c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths)))
             for row in [head] + body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("numpy", "cupy", "all"), default="all",
                   help="'all' (default): numpy, plus cupy when a GPU answers")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--nchw", action="store_true", help="C-contiguous activations instead of channels-last")
    p.add_argument("--only", default=None, help="run only kernels whose name contains this text")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--threads", type=int, default=None,
                   help="minigan's thread count (minigan.threads.set_threads); default: left as it is")
    p.add_argument("--tree", default=None, help="the checkout whose minigan is timed (default this one)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall time, or the process's CPU time (all its threads: steadier on a busy machine)")
    p.add_argument("--torch-python", metavar="PYTHON", default=None,
                   help="also time PyTorch's kernels with this Python (own process, threads = --threads or 1)")
    args = p.parse_args(argv)
    import minigan
    from minigan import backend
    if args.threads is not None:
        from minigan import threads
        threads.set_threads(args.threads)
    clock = time.perf_counter if args.clock == "wall" else time.process_time

    names = ["numpy", "cupy"] if args.backend == "all" else [args.backend]
    if "cupy" in names and not minigan.cupy_available():
        if args.backend == "cupy":
            p.error("CuPy is not available on this machine (no CuPy or no GPU)")
        names.remove("cupy")
    cases = [c for c in CASES if args.only is None or args.only in c[0]]
    rows = []
    for be in names:
        xp = backend.get_module(be)
        for case in cases:
            rows.append(bench_case(case, xp, args.batch, args.repeats, args.warmup, not args.nchw, clock=clock))
            print(f"  {be:5s} {case[0]}: {rows[-1]['forward_ms']:.2f} + {rows[-1]['backward_ms']:.2f} ms",
                  file=sys.stderr, flush=True)
    print(f"minigan kernels ({args.tree or 'this tree'}, {args.clock} clock, threads {args.threads or 'as set'}), "
          f"batch {args.batch}, float32, median of {args.repeats} after {args.warmup} warm-up "
          f"({'NCHW' if args.nchw else 'channels-last'} activations; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs)")
    print(format_table(rows))
    torch_info = None
    if args.torch_python:
        torch_info = _torch_rows(args.torch_python, args, args.threads or 1)
        mine = {r["kernel"]: r for r in rows if r["backend"] == "numpy"}
        print(f"\nPyTorch {torch_info['torch']} (own process, {args.threads or 1} threads), same kernels; "
              "ratio = minigan (numpy) / PyTorch, forward + backward")
        print(format_table(torch_info["rows"]))
        for r in torch_info["rows"]:
            if r["kernel"] in mine:
                print(f"  {r['kernel']:32s} ratio {mine[r['kernel']]['total_ms'] / r['total_ms']:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"batch": args.batch, "repeats": args.repeats, "warmup": args.warmup, "tree": args.tree,
                       "threads": args.threads, "clock": args.clock, "load_avg": os.getloadavg(),
                       "channels_last": not args.nchw, "results": rows, "torch": torch_info}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
