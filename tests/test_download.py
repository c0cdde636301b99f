"""Downloading MNIST: a local HTTP server stands in for the mirrors.

The server (127.0.0.1, a free port) serves small MNIST-shaped IDX .gz files made with
write_idx, whose md5 sums are passed to MNIST(md5s=...). Special paths misbehave on
purpose: a 404 mirror, a mirror that serves damaged bytes, one that hangs up halfway
through a file, and one that never answers.
"""
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from minigan.data import MNIST, DatasetNotFoundError, read_idx, write_idx

NAMES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """{name: bytes} of small valid files, the arrays they hold, and their md5 sums."""
    folder = tmp_path_factory.mktemp("served")
    rng = np.random.default_rng(0)
    arrays = {}
    for prefix, n in (("train", 9), ("t10k", 6)):
        arrays[f"{prefix}-images-idx3-ubyte.gz"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[f"{prefix}-labels-idx1-ubyte.gz"] = rng.integers(0, 10, n, dtype=np.uint8)
    blobs = {}
    for name, a in arrays.items():
        write_idx(folder / name, a)
        blobs[name] = (folder / name).read_bytes()
    md5s = {name: hashlib.md5(b).hexdigest() for name, b in blobs.items()}
    return blobs, arrays, md5s


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET /<mode>/<file name>: mode good | corrupt | short | missing | hang."""

    def do_GET(self):
        srv = self.server
        srv.requests.append(self.path)
        _, mode, name = self.path.split("/", 2)
        body = srv.blobs.get(name)
        if body is None or mode == "missing":
            self.send_error(404, "Not Found")
            return
        if mode == "hang":                       # accept, then say nothing until teardown
            srv.release.wait(10)
            return
        if mode == "corrupt":                    # same length, one byte changed
            body = body[:-10] + bytes([body[-10] ^ 0xFF]) + body[-9:]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "short":                      # announce it all, send half, hang up
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):                # keep the test output clean
        pass


@pytest.fixture
def server(files):
    """Base URL of a local server; shut down (and any hanging handler released) afterwards."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.blobs, httpd.requests, httpd.release = files[0], [], threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = httpd.server_address
    httpd.url = f"http://{host}:{port}"
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def refused_url():
    """A URL on a port where nothing listens (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _load(root, server, files, mode="good", **kw):
    kw.setdefault("mirrors", [f"{server.url}/{mode}/"])
    kw.setdefault("md5s", files[2])
    return MNIST(root=root, split="test", download=True, timeout=5, verbose=False, **kw)


def _md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def test_good_download(isolated_env, server, files):
    target = isolated_env / "data"
    ds = _load(target, server, files)
    _, arrays, md5s = files
    # only the requested split is fetched, and nothing but the final files is left
    assert sorted(p.name for p in target.iterdir()) == NAMES[:2]
    for name in NAMES[:2]:
        assert _md5(target / name) == md5s[name]
    assert server.requests == ["/good/t10k-images-idx3-ubyte.gz", "/good/t10k-labels-idx1-ubyte.gz"]
    assert len(ds) == 6 and ds.root == target
    np.testing.assert_array_equal(ds.labels, arrays["t10k-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(ds.images[:, 0],
                                  arrays["t10k-images-idx3-ubyte.gz"].astype(np.float32) / np.float32(127.5) - 1)
    # present now: a second load reads them without asking the server
    n = len(server.requests)
    MNIST(root=target, split="test", download=True, mirrors=[f"{server.url}/missing/"], verbose=False)
    assert len(server.requests) == n


def test_download_goes_to_env_dir_or_cache(isolated_env, server, files, monkeypatch):
    ds = MNIST(split="test", mirrors=[f"{server.url}/good/"], md5s=files[2], verbose=False)
    assert ds.root == isolated_env / "cache" / "minigan" / "mnist"
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(isolated_env / "env"))
    ds = MNIST(split="train", mirrors=[f"{server.url}/good/"], md5s=files[2], verbose=False)
    assert ds.root == isolated_env / "env" / "mnist" and len(ds) == 9


def test_mirrors_as_class_attribute(isolated_env, server, files, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", (f"{server.url}/good",))      # no trailing slash
    monkeypatch.setattr(MNIST, "md5s", files[2])
    assert len(MNIST(root=isolated_env / "d", split="test", verbose=False)) == 6


def test_corrupt_download_leaves_nothing(isolated_env, server, files):
    target = isolated_env / "data"
    with pytest.raises(DatasetNotFoundError) as e:
        _load(target, server, files, mode="corrupt")
    msg = str(e.value)
    assert "md5 mismatch" in msg and files[2]["t10k-images-idx3-ubyte.gz"] in msg
    assert f"{server.url}/corrupt/t10k-images-idx3-ubyte.gz" in msg
    assert list(target.iterdir()) == []            # no final file, no temporary leftovers
    with pytest.raises(DatasetNotFoundError):
        MNIST(root=target, split="test", download=False)


@pytest.mark.parametrize("with_md5", [True, False])
def test_interrupted_download_leaves_nothing(isolated_env, server, files, with_md5):
    # without an md5 to check, the short read alone must be caught
    target = isolated_env / "data"
    with pytest.raises(DatasetNotFoundError) as e:
        _load(target, server, files, mode="short", md5s=files[2] if with_md5 else {})
    msg = str(e.value)
    assert f"{server.url}/short/t10k-images-idx3-ubyte.gz" in msg
    assert "IncompleteRead" in msg or "incomplete download" in msg
    assert list(target.iterdir()) == []
    assert server.requests == ["/short/t10k-images-idx3-ubyte.gz"]   # gave up on the split


def test_hanging_mirror_times_out_then_next_mirror(isolated_env, server, files):
    ds = MNIST(root=isolated_env / "d", split="test", timeout=0.5, verbose=False, md5s=files[2],
               mirrors=[f"{server.url}/hang/", f"{server.url}/good/"])
    assert len(ds) == 6
    assert sorted(p.name for p in (isolated_env / "d").iterdir()) == NAMES[:2]


def test_fallback_to_next_mirror(isolated_env, server, files, refused_url):
    target = isolated_env / "data"
    ds = _load(target, server, files,
               mirrors=[refused_url, f"{server.url}/missing/", f"{server.url}/corrupt/", f"{server.url}/good/"])
    assert len(ds) == 6
    assert sorted(p.name for p in target.iterdir()) == NAMES[:2]
    assert server.requests[:3] == ["/missing/t10k-images-idx3-ubyte.gz",
                                   "/corrupt/t10k-images-idx3-ubyte.gz",
                                   "/good/t10k-images-idx3-ubyte.gz"]


def test_all_mirrors_down_one_clear_error(isolated_env, server, files, refused_url):
    target = isolated_env / "data"
    with pytest.raises(DatasetNotFoundError) as e:
        _load(target, server, files, mirrors=[refused_url, f"{server.url}/missing/"])
    msg = str(e.value)
    assert refused_url + "t10k-images-idx3-ubyte.gz" in msg and "404" in msg
    assert str(target) in msg and "MINIGAN_DATA_DIR" in msg
    assert list(target.iterdir()) == []


def test_only_missing_file_is_downloaded(isolated_env, server, files):
    # a folder holding the images already (not the official ones): only the labels are fetched
    target = isolated_env / "data"
    target.mkdir()
    (target / "t10k-images-idx3-ubyte.gz").write_bytes(files[0]["t10k-images-idx3-ubyte.gz"])
    ds = _load(target, server, files)
    assert server.requests == ["/good/t10k-labels-idx1-ubyte.gz"]
    assert len(ds) == 6
    np.testing.assert_array_equal(read_idx(target / "t10k-labels-idx1-ubyte.gz"),
                                  files[1]["t10k-labels-idx1-ubyte.gz"])
