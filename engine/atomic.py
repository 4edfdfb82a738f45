"""Atomic file writes: a reader sees the old file or the whole new one, never half of one.

Where the system has unnamed temporary files (O_TMPFILE, Linux), the new content is written to
one in the target's folder, fsynced, and only then given a name (linkat through
/proc/self/fd) and renamed over the target: a process killed while writing leaves nothing
behind. Elsewhere it goes to a hidden temp file beside the target (".<name>.<random>.part"),
removed on any failure; a killed process can leave that ".part" behind, so `clean_stale_parts`
sweeps those and every atomic write sweeps its own folder first. The target's folder must exist
unless the caller asks for it to be made (`make_folder=True`): a mistyped path creates nothing.
Errors name the path the caller gave, never the temp file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PART_SUFFIX = ".part"
STALE_AFTER_S = 60.0  # a .part file older than this belongs to no live writer
O_TMPFILE = getattr(os, "O_TMPFILE", 0)  # 0 where the system has no unnamed temp files
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOTSUP}  # fs lacks it


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask  # an ordinary file's mode, not mkstemp's private 0600


def open_unnamed(folder: Path) -> int | None:
    """An O_TMPFILE descriptor in `folder` (a file with no name yet), or None where the system
    or its file system has none. Other errors (no such folder, not writable) are raised."""
    if not O_TMPFILE or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, O_TMPFILE | os.O_RDWR, _mode())
    except OSError as e:
        if e.errno in _NO_TMPFILE:
            return None
        raise


def _renamed(e: OSError, tmp: Path, path: Path) -> OSError:
    """`e` naming `path` where it named the temp file (the user never saw that name)."""
    if e.filename is not None and str(e.filename) in (str(tmp), str(tmp.name)):
        return type(e)(e.errno, e.strerror, str(path))
    if e.filename is None and e.errno:
        return type(e)(e.errno, e.strerror, str(path))
    return e


@contextlib.contextmanager
def atomic_path(path: str | Path, make_folder: bool = False) -> Iterator[Path]:
    """Yield a temp path to write (open it by that name); on success it replaces `path`.
    The folder must exist unless `make_folder`."""
    given = Path(path)
    path = written_path(given)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    try:
        fd = open_unnamed(path.parent)
    except OSError as e:
        raise _renamed(e, path.parent, given) from None
    if fd is not None:
        with _unnamed(fd, path, given) as tmp:
            yield tmp
    else:
        with _named(path, given) as tmp:
            yield tmp
    _sync_folder(path.parent)


def written_path(path: str | Path) -> Path:
    """The file a write to `path` changes: through a symbolic link, its target (a rename onto
    the link replaced the link by a file and left its target as it was)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def _unnamed(fd: int, path: Path, given: Path) -> Iterator[Path]:
    """Write through /proc/self/fd/N; name the file only once it is complete and synced.
    Errors name `given`, the path the caller gave."""
    tmp = Path(f"/proc/self/fd/{fd}")
    try:
        try:
            yield tmp
        except OSError as e:
            raise _renamed(e, tmp, given) from None
        os.fsync(fd)
        name = path.parent / f".{path.name}.{secrets.token_hex(4)}{PART_SUFFIX}"
        try:
            _link_following(tmp, name)  # the unnamed file gets a name
            try:
                os.replace(name, path)
            except BaseException:
                name.unlink(missing_ok=True)
                raise
        except OSError as e:
            raise _renamed(e, Path(name), given) from None
    finally:
        os.close(fd)


def _link_following(src: Path, dst: Path) -> None:
    """linkat(AT_FDCWD, src, dirfd, dst's name, AT_SYMLINK_FOLLOW). os.link calls plain link(),
    which does not follow /proc/self/fd/N, unless a dir fd is given: give the target's folder,
    and the new name relative to it (`src` is absolute, so the folder does not change it). The
    whole relative `dst` was resolved from that folder: "sub/x" became "sub/sub/x"."""
    dirfd = os.open(dst.parent, os.O_RDONLY)
    try:
        os.link(src, dst.name, src_dir_fd=dirfd, dst_dir_fd=dirfd, follow_symlinks=True)
    finally:
        os.close(dirfd)


@contextlib.contextmanager
def _named(path: Path, given: Path) -> Iterator[Path]:
    """Where there is no O_TMPFILE: a hidden ".part" file, removed on failure."""
    clean_stale_parts(path.parent)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART_SUFFIX)
    except OSError as e:  # it names the temp file it tried to make
        raise type(e)(e.errno, e.strerror, str(given)) from None
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, _mode())
    try:
        yield tmp
        with open(tmp, "rb+") as f:  # the writer may have closed it without syncing
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _renamed(e, tmp, given) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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


def keep_aside(path: str | Path, move: bool = True) -> Path | None:
    """A damaged file of the user's kept before it is written over: moved (it is no longer
    read) or copied beside itself as NAME.damaged.EXT (NAME.damaged2.EXT … when that is taken).
    None where it is not a regular file or cannot be kept. A session or a progress file that
    could not be read had been replaced at the next save, without a word."""
    path = Path(path)
    if not path.is_file():
        return None
    for k in range(1, 100):
        aside = path.with_name(f"{path.stem}.damaged{k if k > 1 else ''}{path.suffix}")
        if not os.path.lexists(aside):
            break
        if not move and _same_bytes(aside, path):  # kept already (read again, not yet saved)
            return aside
    else:
        return None
    try:
        if move:
            os.rename(path, aside)
        else:
            import shutil

            shutil.copy2(path, aside)
    except OSError:
        return None
    return aside


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return (
            a.is_file()
            and a.stat().st_size == b.stat().st_size
            and a.read_bytes() == b.read_bytes()
        )
    except OSError:
        return False
