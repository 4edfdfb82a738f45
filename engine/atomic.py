"""Atomic file writes: a reader sees the old file or the whole new one, never half of one.

The new content goes to a hidden temp file beside the target (".<name>.<random>.part"), is
fsynced, then renamed over the target with os.replace; on any failure the temp file is removed.
A process killed mid-write can still leave a ".part" behind: `clean_stale_parts` sweeps those,
and every atomic write sweeps its own folder first. The target's folder must exist unless the
caller asks for it to be made (`make_folder=True`): a mistyped path creates nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PART_SUFFIX = ".part"
STALE_AFTER_S = 60.0  # a .part file older than this belongs to no live writer


@contextlib.contextmanager
def atomic_path(path: str | Path, make_folder: bool = False) -> Iterator[Path]:
    """Yield a temp path in `path`'s folder; write it; on success it replaces `path`. Stale
    ".part" files in that folder are removed first. The folder must exist unless `make_folder`."""
    path = Path(path)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    clean_stale_parts(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART_SUFFIX)
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # an ordinary file's mode, not mkstemp's private 0600
    try:
        yield tmp
        with open(tmp, "rb+") as f:  # the writer may have closed it without syncing
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def atomic_write_bytes(path: str | Path, data: bytes, make_folder: bool = False) -> Path:
    with atomic_path(path, make_folder) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to sync a folder; the rename has still happened
    finally:
        os.close(fd)


def clean_stale_parts(folder: str | Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove leftover ".<name>...part" files older than `older_than_s`; return how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    now, removed = time.time(), 0
    for p in folder.glob("." + "*" + PART_SUFFIX):
        try:
            if p.is_file() and now - p.stat().st_mtime > older_than_s:
                p.unlink()
                removed += 1
        except OSError:
            continue  # another process swept it first, or it is not ours to remove
    return removed
