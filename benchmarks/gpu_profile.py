"""Where one CuPy DCGAN training step spends its time: host (Python, kernel launches) or device.

    python benchmarks/gpu_profile.py                      # batch 128, 20 steps
    python benchmarks/gpu_profile.py --json results/gpu-profile.json
    nsys profile -o dcgan-step --stats=true python benchmarks/gpu_profile.py --steps 5

It reports, for the whole step and then for every layer's forward and backward:

  * host ms: what the CPU spends issuing the work (``cupyx.profiler.benchmark``'s CPU time);
  * device ms: what the GPU spends on it (its CUDA-event time);

A step whose host time is close to its device time is bound by Python and launch overhead
(the GPU waits for work): fusing elementwise kernels, fewer launches per op, or capturing the
fixed-shape step in a CUDA graph are the levers then. A step with device time well above its
host time is bound by the kernels themselves (im2col/col2im copies, small GEMMs). Run under
``nsys`` for the kernel count and the time of each kernel; ``tests/test_cupy_transfers.py``
checks that the step makes no host<->device copy. Needs CuPy and a GPU.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    import numpy as np

    import minigan
    from minigan import backend
    if not backend.cupy_available():
        print("gpu_profile: needs CuPy and a working NVIDIA GPU", file=sys.stderr)
        return 2
    import cupy
    from cupyx.profiler import benchmark

    from minigan.models import build_gan
    from minigan.training.gan import GAN

    backend.set_backend("cupy")
    minigan.manual_seed(0)
    G, D = build_gan("dcgan")
    G.to("cupy"), D.to("cupy")
    gan = GAN(G, D, 100, reuse_fake=True)
    real = minigan.tensor(np.tanh(np.random.default_rng(0).standard_normal((args.batch, 1, 28, 28)))
                          .astype(np.float32)).to("cupy")

    def ms(result):
        return {"host_ms": 1e3 * float(np.median(result.cpu_times)),
                "device_ms": 1e3 * float(np.median(result.gpu_times[0]))}

    rows = [{"what": "whole step", **ms(benchmark(gan.train_step, (real,), n_repeat=args.steps, n_warmup=3))}]
    for name, net, shape in (("G", G.G, (args.batch, 100, 1, 1)), ("D", D.D, (args.batch, 1, 28, 28))):
        x = minigan.tensor(cupy.random.standard_normal(shape, dtype=cupy.float32))
        for i, layer in enumerate(net):
            x_in = x.detach().requires_grad_()
            out = layer(x_in)
            grad = minigan.ones_like(out)

            def backward(layer=layer, x_in=x_in, grad=grad):
                layer(x_in).backward(grad)

            rows.append({"what": f"{name}.{i} {type(layer).__name__} forward",
                         **ms(benchmark(layer, (x_in,), n_repeat=args.steps, n_warmup=2))})
            rows.append({"what": f"{name}.{i} {type(layer).__name__} forward+backward",
                         **ms(benchmark(backward, (), n_repeat=args.steps, n_warmup=2))})
            x = out.detach()
    print(f"CuPy {cupy.__version__}, {cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}, "
          f"batch {args.batch}, medians of {args.steps}")
    print(f"{'':44} {'host ms':>9} {'device ms':>10}")
    for r in rows:
        print(f"{r['what']:44} {r['host_ms']:9.3f} {r['device_ms']:10.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"batch": args.batch, "steps": args.steps, "cupy": cupy.__version__, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
