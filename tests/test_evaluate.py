"""``minigan evaluate``: the table and the JSON of a real (tiny) run, determinism with a seed, and
one-line errors (status 2) for a missing run, a file that is not a GAN checkpoint, too few samples."""
import json

import pytest

from .helpers import FASHION_MNIST_MISSING, fashion_mnist_present, mnist_dir
from .test_cli import assert_one_line_error, run

needs_mnist = pytest.mark.skipif(mnist_dir() is None, reason="real MNIST not found (set MINIGAN_DATA_DIR)")


@pytest.mark.parametrize("args, needles", [
    (["evaluate"], ["--checkpoint RUN"]),
    (["evaluate", "--checkpoint", "no/such/run"], ["no such run folder", "no/such/run"]),
    (["evaluate", "--n", "0", "--checkpoint", "x"], ["--n", "positive integer"]),
    (["evaluate", "train-classifier", "--dataset", "cifar"], ["invalid choice"]),
])
def test_bad_arguments_give_one_line_and_status_2(args, needles):
    assert_one_line_error(run(*args), *needles)


def test_a_folder_or_file_that_is_not_a_run(tmp_path):
    assert_one_line_error(run("evaluate", "--checkpoint", str(tmp_path)), "without a checkpoint.pkl")
    bogus = tmp_path / "checkpoint.pkl"
    bogus.write_bytes(b"hello")
    assert_one_line_error(run("evaluate", "--checkpoint", str(tmp_path)), "not a minigan file")


@pytest.mark.slow
@needs_mnist
def test_evaluate_a_tiny_run_prints_the_table_and_writes_the_json(tmp_path):
    out = tmp_path / "run"
    env = {"MINIGAN_DATA_DIR": str(mnist_dir())}
    r = run("train", "--model", "mlp", "--epochs", "1", "--limit", "256", "--batch-size", "64",
            "--out", str(out), "--no-progress", env_extra=env)
    assert r.returncode == 0, r.stderr
    scores = []
    for name in ("a.json", "b.json"):
        r = run("evaluate", "--checkpoint", str(out), "--n", "500", "--seed", "3", "--json",
                str(tmp_path / name), env_extra=env)
        assert r.returncode == 0, r.stderr
        assert "biased" in r.stderr                                   # N = 500 < 2,000
        for row in ("FID floor (train vs test)", "Inception score", "precision (k=3)", "recall (k=3)",
                    "class coverage", "mean confidence"):
            assert row in r.stdout
        scores.append(json.loads((tmp_path / name).read_text()))
    assert scores[0] == scores[1]                                     # same seed, same numbers
    s = scores[0]
    assert s["n"] == 500 and s["model"] == "mlp" and s["fid"] > s["fid_floor"] > 0
    for key in ("inception_score", "precision", "recall", "coverage", "confidence", "label_kl"):
        assert key in s
    assert_one_line_error(run("evaluate", "--checkpoint", str(out), "--n", "5", env_extra=env), "too few")
    assert_one_line_error(run("evaluate", "--checkpoint", str(out), "--n", "20000", env_extra=env),
                          "real images available")


@pytest.mark.slow
@needs_mnist
def test_train_with_eval_every_records_scores_and_draws_the_fid_curve(tmp_path):
    out = tmp_path / "run"
    r = run("train", "--model", "mlp", "--epochs", "2", "--limit", "256", "--batch-size", "64",
            "--out", str(out), "--no-progress", "--eval-every", "1", "--eval-n", "300",
            env_extra={"MINIGAN_DATA_DIR": str(mnist_dir())})
    assert r.returncode == 0, r.stderr
    history = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in history["eval"]] == [1, 2]
    assert all(e["n"] == 300 and e["fid"] > e["fid_floor"] > 0 for e in history["eval"])
    assert (out / "fid.png").exists() and "FID" in r.stdout
    assert_one_line_error(run("train", "--eval-every", "-1"), "--eval-every", "non-negative")


@pytest.mark.slow
@pytest.mark.skipif(not fashion_mnist_present(), reason=FASHION_MNIST_MISSING)
def test_a_fashion_mnist_run_is_scored_with_the_fashion_mnist_classifier(tmp_path):
    out = tmp_path / "run"
    r = run("train", "--model", "mlp", "--dataset", "fashion-mnist", "--epochs", "1", "--limit", "256",
            "--batch-size", "64", "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    r = run("evaluate", "--checkpoint", str(out), "--n", "500", "--json", str(tmp_path / "s.json"))
    assert r.returncode == 0, r.stderr
    assert "features of minigan's fashion-mnist classifier" in r.stdout
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["dataset"] == "fashion-mnist" and s["fid"] > s["fid_floor"] > 0
    assert_one_line_error(run("evaluate", "--checkpoint", str(out), "--dataset", "mnist"),
                          "trained on fashion-mnist, not mnist")


def test_a_minigan_file_that_is_not_a_gan_checkpoint(tmp_path):
    from minigan.io import save
    save({"weights": [1, 2, 3]}, tmp_path / "other.pkl")
    assert_one_line_error(run("evaluate", "--checkpoint", str(tmp_path / "other.pkl")),
                          "not a minigan GAN checkpoint")


@pytest.mark.slow
@pytest.mark.parametrize("dataset, shipped", [
    pytest.param("mnist", "0.99", marks=needs_mnist),
    # the Fashion-MNIST recipe adds random flips: the same seed must still give the same weights
    pytest.param("fashion-mnist", "0.91", marks=pytest.mark.skipif(not fashion_mnist_present(),
                                                                    reason=FASHION_MNIST_MISSING))])
def test_train_classifier_is_reproducible_and_compares_with_the_shipped_one(tmp_path, dataset, shipped):
    import numpy as np

    from minigan.metrics import load_classifier
    env = {"MINIGAN_DATA_DIR": str(mnist_dir())} if dataset == "mnist" else {}
    weights = []
    for name in ("a.npz", "b.npz"):
        r = run("evaluate", "train-classifier", "--limit", "128", "--epochs", "1", "--seed", "4",
                "--dataset", dataset, "--out", str(tmp_path / name), env_extra=env)
        assert r.returncode == 0, r.stderr
        assert f"the shipped classifier reached {shipped}" in r.stdout
        record = json.loads((tmp_path / name).with_suffix(".json").read_text())
        assert record["train_images"] == 128 and record["seed"] == 4 and record["dataset"] == dataset
        assert record["command"].startswith("minigan evaluate train-classifier --limit 128")
        weights.append(load_classifier(path=tmp_path / name).state_dict())
    for key, value in weights[0].items():
        np.testing.assert_array_equal(value.numpy(), weights[1][key].numpy())


def test_loading_the_classifier_leaves_the_random_stream_alone():
    # `minigan train --eval-every` loads it before training: it must not change the run
    import minigan
    from minigan.metrics import load_classifier
    minigan.manual_seed(0)
    expected = minigan.randn(5).numpy()
    minigan.manual_seed(0)
    load_classifier("mnist")
    assert (minigan.randn(5).numpy() == expected).all()
