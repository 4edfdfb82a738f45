"""A quick check of an MNIST folder, for when it is chosen: each IDX file's header (its magic
number and dimensions) and its length, and that images and labels agree in number, without
reading the data (a gzipped file's length is the size its trailer records). Catches garbage,
truncated and wrong-count files, and anything that is not a regular file (a FIFO is never
opened). load_mnist still checks everything when a run starts."""

from __future__ import annotations

import math
import os
import stat
import struct
import zlib
from pathlib import Path

from engine.safe_io import _kind

from .mnist import FILES, IDX_MAGIC

HEAD_BYTES = 1 << 16  # compressed bytes read to unpack a gzipped file's header


def idx_header(path: Path) -> tuple[tuple[int, ...], int]:
    """(the dimensions its header states, the bytes it holds unpacked); ValueError says what is
    wrong in one sentence."""
    name = path.name
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{name} is {_kind(st.st_mode)}, not an IDX file")
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
        size = st.st_size
        if head[:2] == b"\x1f\x8b":
            f.seek(max(0, size - 4))
            size = int.from_bytes(f.read(4), "little")  # ISIZE: unpacked length mod 2**32
            try:
                head = zlib.decompressobj(wbits=31).decompress(head, 16)
            except zlib.error:
                raise ValueError(f"{name} is not a valid gzip file") from None
    if len(head) < 8:
        raise ValueError(f"{name} is too short to be an IDX file")
    (magic,) = struct.unpack(">I", head[:4])
    if magic not in IDX_MAGIC:
        raise ValueError(f"{name} is not an MNIST IDX file (magic number 0x{magic:08x})")
    ndim = IDX_MAGIC[magic]
    if len(head) < 4 + 4 * ndim:
        raise ValueError(f"{name} is truncated inside its header")
    dims = struct.unpack(f">{ndim}I", head[4 : 4 + 4 * ndim])
    expected = 4 + 4 * ndim + math.prod(dims)
    if size % 2**32 != expected % 2**32:
        raise ValueError(
            f"{name} is truncated or damaged: its header promises {' x '.join(map(str, dims))} "
            f"values, the file does not hold them"
        )
    return dims, size


def check_idx_files(paths: dict[str, Path]) -> str:
    """'' when the four files (by role, as FILES) look right, else one sentence saying what is
    wrong with the first that does not."""
    dims = {}
    try:
        for role, path in paths.items():
            dims[role], _ = idx_header(path)
    except OSError as e:
        return f"cannot read {path.name} ({e.strerror or e})"
    except ValueError as e:
        return str(e)
    for split in ("train", "test"):
        x, y = dims[f"{split}_images"], dims[f"{split}_labels"]
        xname, yname = paths[f"{split}_images"].name, paths[f"{split}_labels"].name
        if len(x) != 3 or x[1:] != (28, 28):
            return f"{xname} does not hold 28 x 28 images (its header says {x})"
        if len(y) != 1:
            return f"{yname} is not a label file"
        if x[0] != y[0]:
            return f"{split}: {x[0]:,} images in {xname} but {y[0]:,} labels in {yname}"
        if not x[0]:
            return f"{xname} holds no images"
    assert set(paths) == set(FILES)
    return ""
