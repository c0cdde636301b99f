"""The classifier kernels and the metrics on CuPy give NumPy's numbers (skipped without a GPU)."""
import numpy as np
import pytest

import minigan
import minigan.functional as F
from minigan import backend
from minigan.metrics import frechet_distance, inception_score, precision_recall

pytestmark = [
    pytest.mark.cupy,
    pytest.mark.skipif(not backend.cupy_available(),
                       reason="needs CuPy and a working NVIDIA GPU (pip install 'minigan[gpu]')"),
]


@pytest.mark.parametrize("op", [lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: F.avg_pool2d(x, 2),
                                lambda x: F.log_softmax(x.reshape(2, -1), dim=1)])
def test_kernels_match_numpy(op):
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    cpu, gpu = minigan.tensor(x, requires_grad=True), minigan.tensor(x).to("cupy").requires_grad_()
    op(cpu).sum().backward()
    op(gpu).sum().backward()
    np.testing.assert_allclose(op(gpu).numpy(), op(cpu).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gpu.grad.numpy(), cpu.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_entropy_matches_numpy():
    x = np.random.default_rng(1).standard_normal((5, 4))
    y = np.array([0, 3, 1, 2, -100])
    cpu = F.cross_entropy(minigan.tensor(x), minigan.tensor(y), label_smoothing=0.1).item()
    gpu = F.cross_entropy(minigan.tensor(x).to("cupy"), minigan.tensor(y).to("cupy"), label_smoothing=0.1).item()
    assert gpu == pytest.approx(cpu, rel=1e-12)


def test_metrics_match_numpy():
    import cupy
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((200, 5)), rng.standard_normal((150, 5)) * 1.3
    r = rng.standard_normal((5, 5))
    s1, s2 = a.T @ a / 200, r @ r.T
    assert frechet_distance(cupy.asarray(a[0]), cupy.asarray(s1), cupy.asarray(b[0]), cupy.asarray(s2)) == \
        pytest.approx(frechet_distance(a[0], s1, b[0], s2), rel=1e-9)
    assert precision_recall(cupy.asarray(a), cupy.asarray(b)) == precision_recall(a, b)
    p = rng.dirichlet(np.ones(10), 100)
    assert inception_score(cupy.asarray(p))[0] == pytest.approx(inception_score(p)[0], rel=1e-9)
