"""Read and write IDX files, the simple binary format MNIST and Fashion-MNIST ship in.

An IDX file is a 4-byte *magic number*, one 4-byte size per dimension, then the values::

    00 00 TT DD | size_0 | size_1 | ... | size_{DD-1} | size_0*size_1*... values

``TT`` is the type of the values and ``DD`` the number of dimensions; all sizes and all
multi-byte values are big-endian. MNIST's image files are ``00 00 08 03 | N | 28 | 28``
followed by N*28*28 unsigned bytes; its label files ``00 00 08 01 | N`` then N bytes.

Files are often gzip-compressed (``*.gz``); :func:`read_idx` reads both kinds, and checks
everything it can so that a truncated or corrupt file gives a clear error instead of
garbage images.
"""
import gzip
import os
import zlib

import numpy

from ..serialization import atomic_write

# type code -> big-endian dtype, as listed in the IDX format description (LeCun et al.)
IDX_TYPES = {
    0x08: numpy.dtype(">u1"),   # unsigned byte (MNIST)
    0x09: numpy.dtype(">i1"),   # signed byte
    0x0B: numpy.dtype(">i2"),   # short
    0x0C: numpy.dtype(">i4"),   # int
    0x0D: numpy.dtype(">f4"),   # float
    0x0E: numpy.dtype(">f8"),   # double
}
_CODE_OF = {dt.newbyteorder("="): code for code, dt in IDX_TYPES.items()}
_TYPE_NAMES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32",
               0x0D: "float32", 0x0E: "float64"}

_GZIP_MAGIC = b"\x1f\x8b"


def _hex(data):
    return " ".join(f"{b:02x}" for b in data) if data else "(nothing)"


def _read_bytes(path):
    """The decompressed content of ``path``: gunzipped when it is a gzip file."""
    with open(path, "rb") as f:
        raw = f.read()
    # Decide by content, not only by name: browsers sometimes un-gzip a download but keep
    # the .gz name, and such a file is still a perfectly good IDX file.
    if raw[:2] != _GZIP_MAGIC:
        if str(path).endswith(".gz") and raw[:2] != b"\x00\x00":
            raise ValueError(f"{path}: the name ends in .gz but this is not a gzip file (it starts "
                             f"with bytes {_hex(raw[:4])}, a gzip file starts with 1f 8b); the "
                             "file is damaged or not what it claims to be: delete it and get it again")
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        # gzip.BadGzipFile is an OSError; a cut-off file gives EOFError; bad data zlib.error
        raise ValueError(f"{path}: this gzip file is corrupt or incomplete ({type(e).__name__}: {e}); "
                         "it was probably cut off while downloading or copying: delete it and "
                         "get it again") from None


def read_idx(path):
    """Read an IDX file (raw or gzip-compressed) into a NumPy array.

    Returns an array of shape ``(size_0, size_1, ...)`` as written in the header, in the
    file's value type with native byte order (``uint8`` for MNIST).

    Raises ``ValueError`` naming the file when the magic number, the header or the length
    of the data is wrong (a truncated file, a file too long, a corrupt gzip stream).
    """
    path = os.fspath(path)
    data = _read_bytes(path)

    if len(data) < 4:
        raise ValueError(f"{path}: the file holds only {len(data)} bytes, too short for an IDX "
                         "file (it needs at least a 4-byte magic number); it is truncated or empty")
    magic = data[:4]
    type_code, ndim = magic[2], magic[3]
    if magic[0] != 0 or magic[1] != 0 or type_code not in IDX_TYPES or ndim == 0:
        raise ValueError(
            f"{path}: not an IDX file: the magic number (first 4 bytes) should be 00 00 <type> "
            f"<number of dimensions>, with type one of "
            f"{', '.join(f'{c:02x} ({n})' for c, n in _TYPE_NAMES.items())} and at least one "
            f"dimension (MNIST images: 00 00 08 03, labels: 00 00 08 01), but the file starts with "
            f"{_hex(magic)}")

    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: the magic number announces {ndim} dimensions, so the header "
                         f"should be {header} bytes, but the file holds only {len(data)} bytes "
                         "(the file is truncated)")
    shape = tuple(int(s) for s in numpy.frombuffer(data, dtype=">u4", count=ndim, offset=4))

    dtype = IDX_TYPES[type_code]
    count = 1
    for s in shape:
        count *= s
    expected = count * dtype.itemsize
    found = len(data) - header
    if found != expected:
        sizes = "*".join(str(s) for s in shape)
        what = f"{sizes} = {expected} bytes" if dtype.itemsize == 1 else \
            f"{sizes} values * {dtype.itemsize} bytes = {expected} bytes"
        why = "the file is truncated" if found < expected else \
            f"{found - expected} bytes too many: the file is too long or its header is wrong"
        raise ValueError(f"{path}: expected {what} of data after the {header}-byte header, "
                         f"found {found} ({why})")

    array = numpy.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    # astype to native order makes a writable copy that owns its memory (frombuffer over
    # bytes is read-only and keeps the whole decompressed buffer alive)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` as an IDX file; gzip-compressed when ``path`` ends in ``.gz``.

    ``array``: any shape with at least one dimension, of dtype uint8, int8, int16, int32,
    float32 or float64 (the IDX types). The file is written to a temporary file in the same
    folder first and then renamed over ``path``, so a crash never leaves half a file
    behind under the final name. The gzip header has no timestamp, so the same array
    always gives the same bytes (and the same md5).
    """
    path = os.fspath(path)
    if hasattr(array, "numpy") and callable(array.numpy):   # a minigan Tensor
        array = array.numpy()
    array = numpy.asarray(array)
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"write_idx: IDX files hold arrays with 1 to 255 dimensions, got "
                         f"shape {array.shape}")
    native = array.dtype.newbyteorder("=")
    if native not in _CODE_OF:
        raise ValueError(f"write_idx: IDX files cannot hold {array.dtype} values; convert first, "
                         "e.g. array.astype(numpy.uint8) or .astype(numpy.int32) "
                         f"(IDX types: {', '.join(_TYPE_NAMES.values())})")
    code = _CODE_OF[native]
    header = bytes([0, 0, code, array.ndim]) + numpy.asarray(array.shape, dtype=">u4").tobytes()
    body = numpy.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()

    name = os.path.basename(path)
    with atomic_write(path) as f:
        if path.endswith(".gz"):
            # filename= and mtime=0: store the final name, not the temp name, and no time
            with gzip.GzipFile(filename=name, mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(header)
                gz.write(body)
        else:
            f.write(header)
            f.write(body)
