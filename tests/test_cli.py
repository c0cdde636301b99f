"""The minigan command: help, bad arguments (one line, exit status 2), and a tiny real run."""
import os
import subprocess
import sys

import pytest

from .helpers import REPO, mnist_dir


def run(*args, env_extra=None, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "minigan", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=REPO)


def assert_one_line_error(result, *needles):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_help_lists_every_command():
    r = run("--help")
    assert r.returncode == 0
    for command in ("train", "sample", "demo", "shapes"):
        assert command in r.stdout
    for command in ("train", "sample", "demo"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and "--backend" in sub.stdout


@pytest.mark.parametrize("args, needles", [
    (["train", "--model", "vae"], ["invalid choice", "'vae'"]),
    (["train", "--epochs", "-3"], ["--epochs", "positive integer", "-3"]),
    (["train", "--lr", "zero"], ["--lr", "'zero'"]),
    (["sample", "--checkpoint", "no/such/file.pkl"], ["no such file", "no/such/file.pkl"]),
    (["demo", "--steps", "0"], ["--steps", "positive integer"]),
    (["frobnicate"], ["invalid choice"]),
])
def test_bad_arguments_give_one_line_and_status_2(args, needles):
    assert_one_line_error(run(*args), *needles)


def test_a_file_that_is_not_a_checkpoint(tmp_path):
    bogus = tmp_path / "bogus.pkl"
    bogus.write_bytes(b"hello")
    assert_one_line_error(run("sample", "--checkpoint", str(bogus)), "not a minigan file")


def test_missing_dataset_says_how_to_point_at_it_and_creates_nothing(tmp_path):
    missing = tmp_path / "no-such-folder"
    r = run("train", "--data-dir", str(missing), "--out", str(tmp_path / "run"), "--epochs", "1",
            env_extra={"MINIGAN_DATA_DIR": str(tmp_path)})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("minigan train: error:") and len(lines) > 3
    assert "--data-dir" in lines[1] and "MINIGAN_DATA_DIR" in lines[1]
    assert str(missing) in r.stderr and "downloading" not in r.stderr
    assert not missing.exists()                      # a folder the user named is only read
    assert not (tmp_path / "run").exists()           # a failed start leaves no run folder


def test_version_and_shapes_defaults_in_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("minigan ")
    r = run("shapes", "conv", "--help")
    assert r.returncode == 0 and "default: 1" in r.stdout and "default: 0" in r.stdout


def test_minigan_backend_is_honoured_and_an_unknown_one_refused(tmp_path):
    assert_one_line_error(run("demo", "--steps", "1", "--out", str(tmp_path), env_extra={"MINIGAN_BACKEND": "tpu"}),
                          "MINIGAN_BACKEND='tpu'")
    r = run("demo", "--steps", "1", "--no-progress", "--out", str(tmp_path), env_extra={"MINIGAN_BACKEND": "numpy"})
    assert r.returncode == 0 and r.stdout.startswith("minigan: backend numpy, 1 BLAS thread")
    r = run("demo", "--steps", "1", "--no-progress", "--threads", "2", "--out", str(tmp_path))
    assert r.returncode == 0 and r.stdout.startswith("minigan: backend numpy, 2 BLAS threads")


@pytest.mark.slow
@pytest.mark.skipif(mnist_dir() is None, reason="real MNIST not found (set MINIGAN_DATA_DIR)")
def test_train_then_sample_then_refuse_to_overwrite(tmp_path):
    out = tmp_path / "run"
    r = run("train", "--model", "mlp", "--epochs", "1", "--limit", "256", "--batch-size", "64",
            "--data-dir", str(mnist_dir()), "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert (out / "checkpoint.pkl").exists() and (out / "samples_epoch_001.png").exists()
    grid = tmp_path / "grid.png"
    r = run("sample", "--checkpoint", str(out / "checkpoint.pkl"), "--n", "16", "--out", str(grid))
    assert r.returncode == 0, r.stderr
    import matplotlib.image
    img = matplotlib.image.imread(grid)
    assert img.shape[:2] == (2 + 2 * 30, 2 + 8 * 30)      # 2 rows, 8 columns of 28 px + 2 px padding
    # a checkpoint of the other model
    assert_one_line_error(run("sample", "--checkpoint", str(out / "checkpoint.pkl"), "--model", "dcgan"),
                          "holds a 'mlp' model")
    # a second run into the same folder
    r = run("train", "--model", "mlp", "--epochs", "1", "--limit", "64", "--data-dir", str(mnist_dir()),
            "--out", str(out), "--no-progress")
    assert_one_line_error(r, "already holds a run", "--resume")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A finished one-epoch MLP run on 8 random images (no MNIST needed)."""
    import numpy as np

    from minigan.training import TrainConfig, train
    out = tmp_path_factory.mktemp("cli") / "run"
    images = np.random.default_rng(0).uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32)
    train(TrainConfig(model="mlp", epochs=1, batch_size=8, out=str(out), progress=False),
          dataset=(images, np.zeros(8, dtype=np.int64)), log=lambda *a: None)
    return out


def test_sample_finds_the_checkpoint_in_a_run_folder_and_interpolates(run_folder, tmp_path):
    import matplotlib.image
    out = tmp_path / "walk.png"
    r = run("sample", "--checkpoint", str(run_folder), "--interpolate", "--n", "24", "--nrow", "6", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "4 interpolations of 6 steps" in r.stdout
    assert matplotlib.image.imread(out).shape[:2] == (2 + 4 * 30, 2 + 6 * 30)


def test_sample_writes_the_format_its_name_asks_for_or_refuses(run_folder, tmp_path):
    r = run("sample", "--checkpoint", str(run_folder), "--out", str(tmp_path / "g.jpg"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "g.jpg").read_bytes()[:3] == b"\xff\xd8\xff"          # JPEG, not PNG bytes
    assert_one_line_error(run("sample", "--checkpoint", str(run_folder), "--out", str(tmp_path / "g.txt")),
                          ".txt", ".png")
    assert not (tmp_path / "g.txt").exists()


def test_resume_refuses_a_changing_flag_by_name(run_folder):
    assert_one_line_error(run("train", "--out", str(run_folder), "--resume", "--lr", "0.01"),
                          "--lr 0.01", "the run has 0.0002")


# ------------------------------------------------------------------ the GAN variants (issue 16)
@pytest.fixture(scope="module")
def cgan_folder(tmp_path_factory):
    """A finished one-epoch conditional MLP GAN run on 8 random labelled images."""
    import numpy as np

    from minigan.training import TrainConfig, train
    out = tmp_path_factory.mktemp("cli-cgan") / "run"
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32)
    train(TrainConfig(gan="cgan", model="mlp", epochs=1, batch_size=8, out=str(out), progress=False, z_dim=8),
          dataset=(images, rng.integers(0, 10, 8)), log=lambda *a: None)
    return out


def test_sample_of_a_conditional_checkpoint_honours_the_label(cgan_folder, tmp_path):
    import matplotlib.image
    import numpy as np

    import minigan
    from minigan.training import generator_from_checkpoint
    from minigan.training.figures import save_image_grid
    r = run("sample", "--checkpoint", str(cgan_folder), "--label", "7", "--n", "16", "--seed", "5",
            "--out", str(tmp_path / "seven.png"))
    assert r.returncode == 0, r.stderr
    assert "16 samples of class 7" in r.stdout
    # the same noise through the stored generator, with label 7 and with label 3
    G, cfg = generator_from_checkpoint(cgan_folder)
    z = minigan.tensor(np.random.default_rng(5).standard_normal((16, cfg["z_dim"])).astype(np.float32))
    for label, name in ((7, "want7.png"), (3, "want3.png")):
        with minigan.no_grad():
            save_image_grid(G(z, minigan.tensor(np.full(16, label))), str(tmp_path / name))
    got = matplotlib.image.imread(tmp_path / "seven.png")
    assert np.array_equal(got, matplotlib.image.imread(tmp_path / "want7.png"))
    assert not np.array_equal(got, matplotlib.image.imread(tmp_path / "want3.png"))
    r = run("sample", "--checkpoint", str(cgan_folder), "--grid-by-class", "--out", str(tmp_path / "g.png"))
    assert r.returncode == 0, r.stderr
    assert matplotlib.image.imread(tmp_path / "g.png").shape[:2] == (2 + 10 * 30, 2 + 10 * 30)


@pytest.mark.parametrize("args, needles", [
    (["--label", "3"], ["--label needs a conditional GAN", "'gan'"]),
    (["--grid-by-class"], ["--grid-by-class needs a conditional GAN"]),
    (["--traverse", "cat"], ["--traverse needs an InfoGAN checkpoint"]),
])
def test_sample_refuses_what_an_unconditional_checkpoint_cannot_do(run_folder, args, needles):
    assert_one_line_error(run("sample", "--checkpoint", str(run_folder), *args), *needles)


def test_sample_refuses_a_bad_label_and_mixed_requests(cgan_folder):
    assert_one_line_error(run("sample", "--checkpoint", str(cgan_folder), "--label", "12"),
                          "class from 0 to 9", "12")
    assert_one_line_error(run("sample", "--checkpoint", str(cgan_folder), "--label", "1", "--grid-by-class"),
                          "cannot be combined")


@pytest.mark.parametrize("args, needles", [
    (["train", "--gan", "began"], ["invalid choice", "'began'"]),
    (["train", "--gan", "wgan", "--beta1", "0.5"], ["--beta1 does not apply to --gan wgan", "--clip"]),
    (["train", "--gan", "gan", "--lambda-gp", "5"], ["--lambda-gp does not apply to --gan gan"]),
    (["train", "--gan", "wgan", "--clip", "-0.01"], ["clip must be a positive number"]),
    (["demo", "--gan", "infogan"], ["--gan infogan does not apply to the 2-D demo"]),
    (["demo", "--gan", "cgan"], ["--gan cgan does not apply to the 2-D demo", "labels"]),
    (["demo", "--data", "spiral"], ["invalid choice", "'spiral'"]),
])
def test_bad_variant_arguments_give_one_line_and_status_2(tmp_path, args, needles):
    assert_one_line_error(run(*args, "--out", str(tmp_path / "x")), *needles)
    assert not (tmp_path / "x").exists()


def test_resume_refuses_another_variant_by_name(cgan_folder):
    assert_one_line_error(run("train", "--out", str(cgan_folder), "--resume", "--gan", "wgan"),
                          "--gan wgan", "the run has cgan")


def test_demo_trains_a_variant_on_the_grid(tmp_path):
    r = run("demo", "--gan", "wgan-gp", "--data", "grid", "--steps", "2", "--batch-size", "16", "--no-progress",
            "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "WGAN-GP (MLP form) on a 5x5 grid of 25 Gaussians" in r.stdout and "of 25 modes" in r.stdout
    assert (tmp_path / "demo_points.png").exists() and (tmp_path / "demo_curves.png").exists()
