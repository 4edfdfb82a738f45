"""MNIST from its four IDX files (gzipped or not), a CSV form, or a download; held as tensors.

Checksums are of the *decompressed* files: mirrors gzip the same bytes differently, so a checksum
of the .gz would reject good copies.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from engine.atomic import atomic_write_bytes, clean_stale_parts

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
MIRRORS = (  # tried in turn
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
MEAN, STD = 0.1307, 0.3081  # MNIST pixel statistics, used to normalise inputs
IDX_MAGIC = {0x00000803: 3, 0x00000801: 1}  # unsigned-byte images (3 dims) and labels (1 dim)


class MnistError(ValueError):
    """MNIST files that are missing, corrupt or inconsistent; the message says which and why."""


class DownloadCancelled(MnistError):
    """The download was stopped by its caller; no partial file is left."""


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


def status(folder: str | Path | None = None) -> MnistStatus:
    """Whether MNIST is in `folder` (the user folder by default), said in one line."""
    folder = Path(folder).expanduser() if folder is not None else default_data_dir()
    paths = {role: find_file(folder, base) for role, (base, _, _) in FILES.items()}
    if all(paths.values()):
        return MnistStatus(True, f"MNIST is present in {folder} (IDX files)")
    if not any(paths.values()) and all((folder / c).is_file() for c in CSV_FILES):
        return MnistStatus(True, f"MNIST is present in {folder} (CSV files)")
    missing = [FILES[r][0] for r, p in paths.items() if p is None]
    if len(missing) < 4:
        text = f"MNIST is incomplete in {folder}: missing {', '.join(missing)} (plain or .gz)"
        return MnistStatus(False, text)
    return MnistStatus(False, missing_message(folder))


def _open_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise MnistError(
                f"{path.name} is not a valid gzip file ({e}); delete it and download it again"
            ) from None
    return raw


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
    expected = int(np.prod(dims))
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
    for cand in (
        base,
        base + ".gz",
        base.replace("-idx", ".idx"),
        base.replace("-idx", ".idx") + ".gz",
    ):
        if (folder / cand).is_file():
            return folder / cand
    return None


CSV_FILES = ("mnist_train.csv", "mnist_test.csv")  # the common CSV form, one file per split


def load_mnist(folder: str | Path) -> MnistData:
    """The four IDX files from `folder`; failing those, mnist_train.csv and mnist_test.csv."""
    folder = Path(folder).expanduser()
    paths = {role: find_file(folder, base) for role, (base, _, _) in FILES.items()}
    if all(p is None for p in paths.values()) and all((folder / c).is_file() for c in CSV_FILES):
        tx, ty = load_mnist_csv(folder / CSV_FILES[0])
        vx, vy = load_mnist_csv(folder / CSV_FILES[1])
        return MnistData(tx, ty, vx, vy, str(folder))
    if any(p is None for p in paths.values()):
        missing = [FILES[r][0] for r, p in paths.items() if p is None]
        if len(missing) == 4:
            raise MnistError(missing_message(folder))
        raise MnistError(f"{folder} is missing {', '.join(missing)} (plain or .gz)")
    arrays = {}
    for role, path in paths.items():
        try:
            arrays[role] = parse_idx(_open_bytes(path), path.name)
        except OSError as e:
            raise MnistError(f"cannot read {path}: {e}") from None
    for split in ("train", "test"):
        x, y = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise MnistError(
                f"{paths[f'{split}_images'].name} holds images of shape {x.shape[1:]}, not 28 x 28"
            )
        if y.ndim != 1:
            raise MnistError(f"{paths[f'{split}_labels'].name} is not a label file")
        if len(x) != len(y):
            raise MnistError(f"{split}: {len(x)} images but {len(y)} labels")
        if y.size and y.max() > 9:
            raise MnistError(f"{paths[f'{split}_labels'].name} has a label {int(y.max())} > 9")
    return MnistData(
        arrays["train_images"],
        arrays["train_labels"],
        arrays["test_images"],
        arrays["test_labels"],
        str(folder),
    )


def load_mnist_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The common CSV form: label then 784 pixel values (0-255) per row; a header row is skipped."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise MnistError(f"cannot read {p}: {e}") from None
    xs, ys = [], []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cells = line.split(",")
        if no == 1 and not cells[0].strip().isdigit():
            continue  # header
        if len(cells) != 785:
            raise MnistError(
                f"{p.name}, line {no}: expected 785 values (label + 784 pixels), got {len(cells)}"
            )
        try:
            vals = [int(float(c)) for c in cells]
        except ValueError:
            raise MnistError(f"{p.name}, line {no}: a value is not a number") from None
        if not 0 <= vals[0] <= 9 or min(vals[1:]) < 0 or max(vals[1:]) > 255:
            raise MnistError(f"{p.name}, line {no}: label must be 0-9 and pixels 0-255")
        ys.append(vals[0])
        xs.append(vals[1:])
    if not xs:
        raise MnistError(f"{p.name} has no data rows")
    return np.array(xs, np.uint8).reshape(-1, 28, 28), np.array(ys, np.uint8)


def download_mnist(
    folder: str | Path | None = None,
    mirrors: tuple[str, ...] = MIRRORS,
    progress: Callable[[str, int, int], None] | None = None,
    checksums: bool = True,
    timeout: float = 30.0,
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Fetch the four files into `folder` (the user data folder by default), trying each mirror in
    turn and verifying checksums. Files already present and valid are kept. Writes are atomic.
    `should_stop` is asked between chunks; when it says yes, DownloadCancelled is raised and only
    files that were complete before remain."""
    folder = Path(folder) if folder is not None else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_parts(folder)
    errors = []
    for base, sha, _ in FILES.values():
        target = folder / (base + ".gz")
        if target.is_file() and _ok(target, sha, checksums):
            continue
        for mirror in mirrors:
            url = mirror + base + ".gz"
            try:
                data = _fetch(url, base, progress, timeout, should_stop)
                if checksums and hashlib.sha256(gzip.decompress(data)).hexdigest() != sha:
                    raise MnistError("checksum mismatch")
            except DownloadCancelled:
                raise
            except (OSError, ValueError, EOFError) as e:
                errors.append(f"{url}: {e}")
                continue
            atomic_write_bytes(target, data)
            break
        else:
            raise MnistError(
                f"could not download {base}.gz from any mirror. Offline? "
                + missing_message(folder)
                + " Tried: "
                + "; ".join(errors[-3:])
            )
    return folder


def _ok(path: Path, sha: str, checksums: bool) -> bool:
    try:
        raw = _open_bytes(path)
    except (MnistError, OSError):
        return False
    return not checksums or hashlib.sha256(raw).hexdigest() == sha


def _fetch(url: str, name: str, progress, timeout: float, should_stop=None) -> bytes:
    """The bytes at `url`, read in chunks (held in memory: nothing is written until verified)."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (fixed mirror list)
        total = int(resp.headers.get("Content-Length") or 0)
        chunks, got = [], 0
        while True:
            if should_stop is not None and should_stop():
                raise DownloadCancelled("download cancelled")
            chunk = resp.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            if progress:
                progress(name, got, total)
    return b"".join(chunks)


def ensure_mnist(
    folder: str | Path | None = None, download: bool = True, progress=None, should_stop=None
):
    """Load MNIST from `folder` (or the user folder), downloading it first if allowed."""
    folder = Path(folder).expanduser() if folder is not None else default_data_dir()
    try:
        return load_mnist(folder)
    except MnistError:
        if not download or any(find_file(folder, b) for b, _, _ in FILES.values()):
            raise
    download_mnist(folder, progress=progress, should_stop=should_stop)
    return load_mnist(folder)
