"""The exercises (lessons/exercises/) and the teacher's keys (lessons/solutions/).

For every exercise: the key passes its check, the unfinished stub fails it, and a typical wrong
answer (a mutant of the key, below) fails it too, so no check is true by construction. The
command lines (one file, one file with --key, every file) are run as a student would.
"""
import ast
import importlib
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

import minigan
from lessons.exercises._runner import ExerciseFailed, check_one, exercise_modules, key_module

REPO = Path(__file__).resolve().parent.parent
EXERCISE_DIR = REPO / "lessons" / "exercises"
MODULES = exercise_modules()
CASES = [(m, number, name) for m in MODULES for number, name in m.EXERCISES]
IDS = [f"{number}-{name}" for _, number, name in CASES]


def _key(stem):
    return importlib.import_module(f"lessons.solutions.{stem}")


def test_one_exercise_file_per_lesson_with_two_to_four_exercises():
    # lessons 01-14 (the course of issue 19); the variant lessons 15-19 have no exercises yet,
    # and lessons/exercises/README.md says so
    lessons = sorted(p.stem for p in (REPO / "lessons").glob("[0-9][0-9]_*.py") if int(p.stem[:2]) <= 14)
    stems = [m.__name__.rsplit(".", 1)[-1] for m in MODULES]
    assert stems == [f"ex{name}" for name in lessons], "each lesson NN_name.py needs lessons/exercises/exNN_name.py"
    for module, lesson in zip(MODULES, lessons):
        numbers = [n for n, _ in module.EXERCISES]
        assert 2 <= len(numbers) <= 4, f"{module.__name__}: {len(numbers)} exercises"
        assert numbers == [f"{int(lesson[:2])}.{i}" for i in range(1, len(numbers) + 1)], numbers
        for _, name in module.EXERCISES:
            assert callable(getattr(module, f"check_{name}", None)), f"{module.__name__} has no check_{name}"
        assert (REPO / "lessons" / "solutions" / f"{module.__name__.rsplit('.', 1)[-1]}.py").exists()


def test_the_readmes_count_the_exercises():
    for readme in (EXERCISE_DIR / "README.md", REPO / "lessons" / "README.md"):
        assert f"{len(CASES)} in all" in readme.read_text(), f"{readme} does not say {len(CASES)} in all"


def test_exercises_use_only_minigan_numpy_and_the_runner():
    """Exercises must not depend on lesson code (other people edit the lessons) or on PyTorch."""
    allowed = {"sys", "pathlib", "math", "itertools", "numpy", "minigan", "lessons"}
    for path in sorted(EXERCISE_DIR.glob("ex*.py")) + sorted((REPO / "lessons" / "solutions").glob("ex*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]]
                if roots == ["lessons"]:
                    assert node.module.startswith("lessons.exercises._runner"), f"{path.name}: {node.module}"
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}"


@pytest.mark.parametrize("module, number, name", CASES, ids=IDS)
def test_the_key_passes(module, number, name):
    check_one(module, key_module(module), name)


@pytest.mark.parametrize("module, number, name", CASES, ids=IDS)
def test_the_stub_fails_and_names_its_exercise(module, number, name):
    with pytest.raises((NotImplementedError, ExerciseFailed)) as info:
        check_one(module, module, name)
    if info.type is NotImplementedError:
        assert str(info.value).startswith(f"exercise {number}:"), str(info.value)


# --------------------------------------------------------------------------- typical wrong answers
def _mutants():
    k = {m.__name__.rsplit(".", 1)[-1][:4]: _key(m.__name__.rsplit(".", 1)[-1]) for m in MODULES}

    class CubeWrong(k["ex03"].Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * g                                      # the square forgotten

    def leaky_001(name, x):
        return numpy.where(x > 0, 1.0, 0.01) if name == "leaky_relu" else k["ex04"].activation_derivative(name, x)

    def bn_unbiased(x, gamma, beta, eps=1e-5):
        ax = (0, 2, 3)
        xhat = (x - x.mean(axis=ax, keepdims=True)) / numpy.sqrt(x.var(axis=ax, ddof=1, keepdims=True) + eps)
        return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1)

    def bn_backward_direct_path_only(x, gamma, g, eps=1e-5):
        dx, dgamma, dbeta = k["ex11"].batchnorm_backward(x, gamma, g, eps)
        sigma = numpy.sqrt(x.var(axis=(0, 2, 3), keepdims=True) + eps)
        return gamma.reshape(1, -1, 1, 1) * g / sigma, dgamma, dbeta

    def running_biased(mean, var, x, momentum=0.1):
        return ((1 - momentum) * mean + momentum * x.mean(axis=(0, 2, 3)),
                (1 - momentum) * var + momentum * x.var(axis=(0, 2, 3)))

    def adam_no_bias_correction(p, g, m, v, t, lr=2e-4, betas=(0.5, 0.999), eps=1e-8):
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        return p - lr * m / (numpy.sqrt(v) + eps), m, v

    def gp_squared_norm(critic, real, fake, alpha):
        with minigan.no_grad():
            x_hat = alpha * real + (1 - alpha) * fake
        x_hat.requires_grad_()
        (grad,) = minigan.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return (((grad * grad).sum(dim=1) - 1) ** 2).mean()

    def fd_product_of_roots(mu1, S1, mu2, S2):
        r = k["ex14"]._sqrtm_psd
        d = mu1 - mu2
        return float(d @ d + numpy.trace(S1) + numpy.trace(S2) - 2 * numpy.trace(r(S1) @ r(S2)))

    def pr_radius_counts_itself(real, fake, kk=3):
        return k["ex14"].precision_recall(real, fake, kk - 1) if kk > 1 else (1.0, 1.0)

    def im2col_wrong_column_order(x, kh, kw, stride=1, padding=0):
        cols = k["ex09"].im2col(x, kh, kw, stride, padding)
        return cols.reshape(len(cols), x.shape[1], kh, kw).transpose(0, 2, 3, 1).reshape(len(cols), -1)

    return {
        "softplus": lambda x: numpy.log1p(numpy.exp(x)),                         # overflows at 1000
        "machine_epsilon": lambda d: numpy.finfo(d).eps / 2,                     # the unit roundoff instead
        "smallest_absorbing_power_of_two": lambda eps, d: 2.0 ** math.ceil(math.log2(eps / numpy.finfo(d).eps)),
        "forward_and_adjoints": lambda a, b, c: ((a * b + c) * math.tanh(a), b * math.tanh(a),
                                                 a * math.tanh(a), math.tanh(a)),   # a's second path forgotten
        "matmul_vjp": lambda A, B, G: (A.T @ G, G @ B.T),                        # the two swapped
        "unbroadcast": lambda g, shape: g.sum(axis=0) if g.shape != tuple(shape) else g,
        "topological_order": lambda graph, out: sorted(k["ex02"].topological_order(graph, out)),
        "central_difference": lambda f, x, eps: numpy.array(
            [(f(x + eps * e) - f(x)) / eps for e in numpy.eye(len(x))]),         # a forward difference
        "best_step": lambda f, f3, meps: meps ** (1 / 3),
        "Cube": CubeWrong,
        "linear_backward": lambda x, W, g: (g @ W, g.T @ x, g.mean(axis=0)),
        "activation_derivative": leaky_001,
        "dead_units": lambda pre: numpy.all(pre < 0, axis=0),                    # misses inputs exactly 0
        "generator_logit_gradients": lambda s: k["ex05"].generator_logit_gradients(s)[::-1],
        "optimal_discriminator": lambda p, q: q / (p + q),
        "jsd": lambda p, q: k["ex05"].jsd(p, q) / math.log(2),                   # bits, not nats
        "jsd_of_shifted_uniforms": lambda s: s * math.log(2),                    # never flattens
        "ring_centers": lambda n, r: k["ex06"].ring_centers(n, r)[::-1],
        "covered_modes": lambda pts, c, std, th=3.0, mc=1: k["ex06"].covered_modes(pts, c, std, th, 1),
        "smoothed_optimal_discriminator": lambda a, b, alpha, beta=0.0: alpha * a / (a + b),   # beta ignored
        "discriminator_loss": lambda r, f: -(r.log().sum() + (1 - f).log().sum()),
        "mlp_parameter_count": lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])),
        "to_bytes": lambda x: ((numpy.clip(x, -1, 1) + 1) * 127.5).astype(numpy.uint8),   # truncates
        "steps_per_epoch": lambda n, bs, drop_last=False: n // bs,
        "conv_output_size": lambda h, kk, s=1, p=0, d=1: (h + 2 * p - kk) // s + 1,     # dilation ignored
        "conv_transpose_output_size": lambda h, kk, s=1, p=0, op=0, d=1: (h - 1) * s - 2 * p + kk + op,
        "output_padding_for": lambda target, kk, s, p=0, d=1: 0,
        "conv2d_loops": lambda x, w, b, s=1, p=0: k["ex09"].conv2d_loops(x, w[:, :, ::-1, ::-1], b, s, p),
        "im2col": im2col_wrong_column_order,
        "conv2d_weight_grad": lambda x, g, kh, kw, s=1, p=0:
            k["ex09"].conv2d_weight_grad(x, g, kh, kw, s, p)[:, :, ::-1],                  # kernel rows flipped
        "conv_matrix": lambda w, h, s=1, p=0: k["ex10"].conv_matrix(w[::-1, ::-1].copy(), h, s, p),
        "conv_transpose_scatter": lambda y, w, s=1, p=0: k["ex10"].conv_transpose_scatter(y, w, s, 0),
        "polyphase_sums": lambda w, s: numpy.full(s, w.sum() / s),
        "batchnorm_forward": bn_unbiased,
        "batchnorm_backward": bn_backward_direct_path_only,
        "running_statistics": running_biased,
        "generator_sizes": lambda layers, size=1: [size := (size + 2 * p - kk) // s + 1 for kk, s, p in layers],
        "adam_step": adam_no_bias_correction,
        "slerp": lambda z0, z1, t: (1 - t) * z0 + t * z1,
        "dirac_gan_step": lambda th, ps, lr, alternating=False, gamma=0.0:
            k["ex13"].dirac_gan_step(th, ps, lr, False, gamma),                            # always simultaneous
        "gradient_penalty": gp_squared_norm,
        "nearest_mode_entropy": lambda pts, c: k["ex13"].nearest_mode_entropy(pts, c) / math.log(2),
        "effective_generator_objective": lambda pg, pd: k["ex13"].effective_generator_objective(pd, pg),  # KLs reversed
        "frechet_distance_1d": lambda m1, s1, m2, s2: (m1 - m2) ** 2 + (s1 ** 2 - s2 ** 2) ** 2,
        "frechet_floor_1d": lambda n: 2 / n,                                      # the means' part only
        "frechet_distance": fd_product_of_roots,
        "precision_recall": pr_radius_counts_itself,
    }


MUTANTS = _mutants()


def test_every_exercise_has_a_mutant():
    assert sorted(MUTANTS) == sorted(name for _, _, name in CASES)


class _Target:
    """A stand-in module holding one wrong function."""

    def __init__(self, name, fn, stem):
        setattr(self, name, fn)
        self.__file__ = f"{stem}.py"


@pytest.mark.parametrize("module, number, name", CASES, ids=IDS)
def test_a_typical_wrong_answer_fails(module, number, name):
    target = _Target(name, MUTANTS[name], module.__name__.rsplit(".", 1)[-1])
    with pytest.raises(ExerciseFailed):
        check_one(module, target, name)


def test_the_runner_tells_wrong_from_crashed_from_not_done():
    from lessons.exercises import _runner
    module = MODULES[4]                                    # ex05: four exercises

    def crashes(p, q):
        return 1 / 0

    target = _Target("optimal_discriminator", crashes, "ex05_the_minimax_game")
    target.jsd = MUTANTS["jsd"]
    target.generator_logit_gradients = key_module(module).generator_logit_gradients
    rows = {name: (status, detail) for _, name, status, detail in _runner.run(module, target)}
    assert rows["generator_logit_gradients"][0] == "passed"
    assert rows["optimal_discriminator"][0] == "error" and "ZeroDivisionError" in rows["optimal_discriminator"][1]
    assert "test_exercises.py line" in rows["optimal_discriminator"][1]
    assert rows["jsd"][0] == "wrong" and "expected" in rows["jsd"][1]
    assert rows["jsd_of_shifted_uniforms"][0] == "wrong" and "no function" in rows["jsd_of_shifted_uniforms"][1]
    only = _runner.run(module, key_module(module), only=["5.2"])
    assert [(r[0], r[2]) for r in only] == [("5.2", "passed")]


def test_key_mode_without_the_keys_says_so_in_one_line(capsys):
    from lessons.exercises import _runner

    class Handout:                      # an exercise file whose key is not there
        __file__ = "ex99_not_handed_out.py"
        __doc__ = "Exercises for nothing."
        EXERCISES = []

    with pytest.raises(SystemExit) as info:
        _runner.main(Handout, ["--key"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "lessons/solutions/ex99_not_handed_out.py" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- the command lines
def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_file_checks_the_students_work_or_the_key():
    path = "lessons/exercises/ex05_the_minimax_game.py"
    mine = _run(path)
    assert mine.returncode == 1 and "NOT DONE" in mine.stdout and "0 of 4 passed" in mine.stdout, mine.stdout
    key = _run(path, "--key")
    assert key.returncode == 0 and "(the key)" in key.stdout and "4 of 4 passed" in key.stdout, key.stdout
    one = _run(path, "--key", "5.3")
    assert one.returncode == 0 and "1 of 1 passed" in one.stdout, one.stdout
    bad = _run(path, "5.9")
    assert bad.returncode == 2 and "no exercise 5.9" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    solution = _run("lessons/solutions/ex05_the_minimax_game.py")
    assert solution.returncode == 0 and "4 of 4 passed" in solution.stdout, solution.stdout


@pytest.mark.slow
def test_every_file_at_once():
    keys = _run("-m", "lessons.exercises", "--key")
    assert keys.returncode == 0, keys.stdout + keys.stderr
    assert f"all files: {len(CASES)} of {len(CASES)} exercises passed" in keys.stdout
    stubs = _run("-m", "lessons.exercises")
    assert stubs.returncode == 1 and f"all files: 0 of {len(CASES)} exercises passed" in stubs.stdout
