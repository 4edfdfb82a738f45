"""MNIST fetched from its mirrors into a folder, each file verified before it is written; and
`ensure_mnist`, which loads MNIST and downloads it first where the folder holds none of it.

Checksums are of the *decompressed* files (mnist.FILES): mirrors gzip the same bytes differently.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

from engine.atomic import atomic_write_bytes, clean_stale_parts

from . import mnist
from .mnist import (
    MnistError,
    check_folder,
    default_data_dir,
    holds_some,
    load_mnist,
    missing_message,
    open_bytes,
)

MIRRORS = (  # tried in turn
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


class DownloadCancelled(MnistError):
    """The download was stopped by its caller; no partial file is left."""


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
    folder = Path(folder).expanduser() if folder is not None else default_data_dir()
    if os.path.lexists(folder) and not folder.is_dir():
        check_folder(folder)  # says what it is instead
    clean_stale_parts(folder)  # the folder itself is made only when a file is ready for it
    errors = []
    for base, sha, _ in mnist.FILES.values():
        target = folder / (base + ".gz")
        if os.path.lexists(target):  # a valid file is kept, and a damaged one is the user's
            if target.is_file() and _ok(target, sha, checksums):
                continue
            raise MnistError(
                f"{target.name} in {folder} is damaged; remove it or choose another folder "
                "(a download never replaces a file that is there)"
            )
        for mirror in mirrors:
            url = mirror + base + ".gz"
            try:
                data = _fetch(url, base, progress, timeout, should_stop)
                if checksums and hashlib.sha256(gzip.decompress(data)).hexdigest() != sha:
                    raise MnistError("checksum mismatch")
            except DownloadCancelled:
                raise
            except (OSError, ValueError, EOFError, zlib.error) as e:
                errors.append((url, e))
                continue
            atomic_write_bytes(target, data, make_folder=True)
            break
        else:
            raise DownloadFailed.of(base, errors[-len(mirrors) :])
    return folder


def _unreachable(e: BaseException) -> bool:
    """Whether the error says the server was never reached (no network, no name lookup)."""
    import urllib.error

    if isinstance(e, urllib.error.HTTPError):
        return False  # a server answered
    if isinstance(e, urllib.error.URLError):
        e = e.reason if isinstance(e.reason, BaseException) else e
    return isinstance(e, OSError) and not isinstance(e, urllib.error.URLError | FileNotFoundError)


class DownloadFailed(MnistError):
    """No mirror gave a file: one sentence, and `details` (each mirror's error) for a log or a
    Details view."""

    def __init__(self, message: str, details: tuple[str, ...] = ()):
        super().__init__(message)
        self.details = details  # one line per mirror tried: "URL: what went wrong"

    @classmethod
    def of(cls, base: str, errors: list[tuple[str, BaseException]]) -> DownloadFailed:
        details = tuple(f"{url}: {e}" for url, e in errors)
        n = len(errors)
        if n > 1 and all(_unreachable(e) for _, e in errors):
            return cls(
                f"No internet connection: none of the {n} MNIST mirrors could be reached", details
            )
        if n == 1 and _unreachable(errors[0][1]):
            return cls("No internet connection: the MNIST mirror could not be reached", details)
        last = str(errors[-1][1]) if errors else "no mirror was given"
        where = "the MNIST mirror" if n == 1 else f"any of the {n} MNIST mirrors"
        return cls(
            f"could not download {base}.gz from {where} (the last said: {last[:200]})", details
        )


def _ok(path: Path, sha: str, checksums: bool) -> bool:
    try:
        raw = open_bytes(path)
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
        if not download or holds_some(folder):
            raise  # what is there is wrong: say so, rather than download over it
    try:
        download_mnist(folder, progress=progress, should_stop=should_stop)
    except DownloadFailed as e:  # the command line: also where the files could be put by hand
        raise DownloadFailed(f"{e}. {missing_message(folder)}", e.details) from None
    return load_mnist(folder)
