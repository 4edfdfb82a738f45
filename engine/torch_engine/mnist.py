"""MNIST from its four IDX files (gzipped or not) or a CSV form, held as tensors (the download:
mnist_download.py).

Checksums are of the *decompressed* files: mirrors gzip the same bytes differently, so a checksum
of the .gz would reject good copies.
"""

from __future__ import annotations

import math
import os
import stat
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from engine.safe_io import UnreadableFile, _kind, read_bytes, read_text

FILES = {  # role -> (file name without .gz, sha256 of its decompressed bytes, expected count)
    "train_images": (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        60000,
    ),
    "train_labels": (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        60000,
    ),
    "test_images": (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        10000,
    ),
    "test_labels": (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        10000,
    ),
}
MEAN, STD = 0.1307, 0.3081  # MNIST pixel statistics, used to normalise inputs
IDX_MAGIC = {0x00000803: 3, 0x00000801: 1}  # unsigned-byte images (3 dims) and labels (1 dim)
MAX_IDX_BYTES = 64 * 2**20  # one IDX file, stored or unpacked: the training images are 47 MB


class MnistError(ValueError):
    """MNIST files that are missing, corrupt or inconsistent; the message says which and why."""


def normalise(images: np.ndarray | torch.Tensor, device=None) -> torch.Tensor:
    """The network's input from pixels 0-255: images (n, 28, 28) or one image (28, 28), a NumPy
    array or a tensor (uint8, or float in 0-255) -> float32 (n, 1, 28, 28) on `device`, scaled to
    [0, 1] then standardised with MEAN and STD. The only place MNIST pixels are normalised."""
    if isinstance(images, torch.Tensor):
        t = images
    else:
        a = np.asarray(images)
        t = torch.from_numpy(np.array(a, dtype=np.float32 if a.dtype.kind == "f" else np.uint8))
    if t.dim() == 2:
        t = t.unsqueeze(0)  # (1, 28, 28)
    x = t.to(device=device or t.device, dtype=torch.float32, copy=True)  # (n, 28, 28), ours
    return x.div_(255.0).sub_(MEAN).div_(STD).unsqueeze(1)  # (n, 1, 28, 28)


@dataclass(frozen=True)
class MnistData:
    train_x: np.ndarray  # (60000, 28, 28) uint8
    train_y: np.ndarray  # (60000,) uint8
    test_x: np.ndarray  # (10000, 28, 28) uint8
    test_y: np.ndarray  # (10000,) uint8
    source: str  # where it was read from


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("backprop-studio", appauthor=False)) / "mnist"


def missing_message(folder: Path) -> str:
    names = ", ".join(f"{v[0]}(.gz)" for v in FILES.values())
    return (
        f"MNIST was not found in {folder}. Put the four files there ({names}) or "
        f"{' and '.join(CSV_FILES)}, or run 'backprop-studio train' while online to "
        f"download them."
    )


class MnistStatus(NamedTuple):
    present: bool  # whether load_mnist would find all of it
    text: str  # one line: where and in which form, or what is missing and where it should go
    damaged: bool = False  # not a folder, or its four files there and wrong: never downloaded over


def status(folder: str | Path | None = None) -> MnistStatus:
    """Whether MNIST is in `folder` (the user folder by default), said in one line."""
    folder = Path(folder).expanduser() if folder is not None else default_data_dir()
    if os.path.lexists(folder) and not folder.is_dir():
        try:
            check_folder(folder)  # says what it is: a file, a pipe...
        except MnistError as e:
            return MnistStatus(False, str(e), damaged=True)
    paths = {role: find_file(folder, base) for role, (base, _, _) in FILES.items()}
    if all(paths.values()):
        from .mnist_check import check_idx_files

        wrong = check_idx_files(paths)  # headers and counts, not the data
        if wrong:
            return MnistStatus(False, f"MNIST in {folder} cannot be used: {wrong}", damaged=True)
        return MnistStatus(True, f"MNIST is present in {folder} (IDX files)")
    if all(os.path.lexists(folder / c) for c in CSV_FILES):  # as load_mnist: tried next
        return MnistStatus(True, f"MNIST is present in {folder} (CSV files)")
    missing = [FILES[r][0] for r, p in paths.items() if p is None]
    if len(missing) < 4:
        text = f"MNIST is incomplete in {folder}: missing {', '.join(missing)} (plain or .gz)"
        return MnistStatus(False, text)
    return MnistStatus(False, missing_message(folder))


def _read(path: Path, max_bytes: int, text: bool = False):
    """A regular file's bytes (or UTF-8 text) within `max_bytes`; anything else a MnistError."""
    try:
        if text:
            return read_text(path, max_bytes, "MNIST file")
        return read_bytes(path, max_bytes, "MNIST file")
    except UnreadableFile as e:
        raise MnistError(str(e)) from None


def open_bytes(path: Path) -> bytes:
    """An IDX file's bytes, gunzipped when it is gzipped (never more than MAX_IDX_BYTES)."""
    raw = _read(path, MAX_IDX_BYTES)
    if raw[:2] != b"\x1f\x8b":
        return raw
    d = zlib.decompressobj(wbits=31)  # gzip framing, CRC checked
    try:
        out = d.decompress(raw, MAX_IDX_BYTES + 1)
    except zlib.error as e:
        raise MnistError(
            f"{path.name} is not a valid gzip file ({e}); delete it and download it again"
        ) from None
    if len(out) > MAX_IDX_BYTES:
        raise MnistError(f"{path.name} unpacks to more than {MAX_IDX_BYTES >> 20} MiB")
    if not d.eof:
        raise MnistError(f"{path.name} is a truncated gzip file; delete it and download it again")
    return out


def parse_idx(raw: bytes, name: str) -> np.ndarray:
    """Decode IDX bytes, checking the magic number, the dimensions and the length."""
    if len(raw) < 8:
        raise MnistError(f"{name} is too short to be an IDX file ({len(raw)} bytes)")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic not in IDX_MAGIC:
        raise MnistError(
            f"{name} has magic number 0x{magic:08x}; an MNIST IDX file has "
            f"0x00000803 (images) or 0x00000801 (labels)"
        )
    ndim = IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MnistError(f"{name} is truncated inside its header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = math.prod(dims)  # a Python int: a forged header cannot overflow it
    have = len(raw) - header
    if have < expected:
        raise MnistError(
            f"{name} is truncated: its header promises {expected} bytes of data "
            f"({' x '.join(map(str, dims))}), the file has {have}"
        )
    if have > expected:
        raise MnistError(f"{name} has {have - expected} unexpected bytes after its data")
    return np.frombuffer(raw, np.uint8, expected, header).reshape(dims)


def find_file(folder: Path, base: str) -> Path | None:
    """The first name MNIST's `base` file goes by in `folder`. Anything by that name counts (a
    folder, a pipe, a broken link): reading it then says what is wrong with it."""
    for cand in _spellings(base):
        if os.path.lexists(folder / cand):
            return folder / cand
    return None


CSV_FILES = ("mnist_train.csv", "mnist_test.csv")  # the common CSV form, one file per split


def data_files(folder: str | Path | None) -> list[Path]:
    """The MNIST files `folder` (None: the user data folder) holds: no output goes over them."""
    folder = Path(folder).expanduser() if folder is not None else default_data_dir()
    names = [n for base, _, _ in FILES.values() for n in _spellings(base)] + list(CSV_FILES)
    return [folder / n for n in names if os.path.lexists(folder / n)]  # every copy: .gz too


def _spellings(base: str) -> tuple[str, ...]:
    """The names MNIST's `base` file goes by, in the order find_file tries them."""
    dotted = base.replace("-idx", ".idx")
    return (base, base + ".gz", dotted, dotted + ".gz")


def check_folder(folder: Path) -> None:
    """A folder that exists (else the message naming the files it should hold) and is one."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        raise MnistError(missing_message(folder)) from None
    except (OSError, ValueError) as e:
        raise MnistError(f"cannot open the MNIST folder {str(folder)[:200]} ({e})") from None
    if not stat.S_ISDIR(st.st_mode):
        what = "a file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
        raise MnistError(
            f"{folder} is {what}, not a folder; give the folder that holds MNIST's four IDX files or "
            f"{' and '.join(CSV_FILES)}"
        )
    if not os.access(folder, os.R_OK | os.X_OK):  # its files unseen: not "MNIST was not found"
        raise MnistError(f"cannot read the MNIST folder {folder} (permission denied)")


def load_mnist(folder: str | Path) -> MnistData:
    """The four IDX files from `folder`; failing those, mnist_train.csv and mnist_test.csv."""
    folder = Path(folder).expanduser()
    check_folder(folder)
    paths = {role: find_file(folder, base) for role, (base, _, _) in FILES.items()}
    csvs = [folder / c for c in CSV_FILES]
    if not all(paths.values()) and all(os.path.lexists(c) for c in csvs):
        from .mnist_csv import load_mnist_csv  # it reads with this module's _read

        tx, ty = load_mnist_csv(csvs[0])
        vx, vy = load_mnist_csv(csvs[1])
        return MnistData(tx, ty, vx, vy, str(folder))
    if not all(paths.values()):
        missing = [FILES[r][0] for r, p in paths.items() if p is None]
        have = [c.name for c in csvs if os.path.lexists(c)]
        if len(missing) == 4 and len(have) == 1:  # one CSV of the pair: name the other
            other = next(n for n in CSV_FILES if n not in have)
            raise MnistError(f"{folder} has {have[0]} but not {other}")
        if len(missing) == 4:
            raise MnistError(missing_message(folder))
        raise MnistError(f"{folder} is missing {', '.join(missing)} (plain or .gz)")
    arrays = {role: parse_idx(open_bytes(path), path.name) for role, path in paths.items()}
    for split in ("train", "test"):
        x, y = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        xname, yname = paths[f"{split}_images"].name, paths[f"{split}_labels"].name
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise MnistError(f"{xname} holds images of shape {x.shape[1:]}, not 28 x 28")
        if y.ndim != 1:
            raise MnistError(f"{yname} is not a label file")
        if len(x) != len(y):
            raise MnistError(f"{split}: {len(x)} images but {len(y)} labels")
        if not len(x):
            raise MnistError(f"{xname} has no {'training' if split == 'train' else 'test'} images")
        if y.max() > 9:
            raise MnistError(f"{yname} has a label {int(y.max())} > 9")
    return MnistData(*(arrays[role] for role in FILES), str(folder))  # FILES is in field order


def holds_some(folder: Path) -> bool:
    """Whether `folder` is something other than a folder, or holds any IDX or CSV file."""
    if not folder.is_dir():
        return os.path.lexists(folder)
    idx = any(find_file(folder, b) for b, _, _ in FILES.values())
    return idx or any(os.path.lexists(folder / c) for c in CSV_FILES)
