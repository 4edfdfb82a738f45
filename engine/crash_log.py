"""The error log: a traceback appended to a file in the user log folder, never raising.

Qt-free, so both the command line (app/cli) and the windows' last-resort handler
(app/shared/errors.py) write through it; the command line needs nothing from app/shared.
"""

from __future__ import annotations

import datetime
import os
import tempfile
import traceback
from pathlib import Path

LOG_NAME = "errors.log"
MAX_LOG_BYTES = 1_000_000  # the log is rotated to errors.log.1 beyond this

_log_dir: Path | None = None  # set_log_dir overrides the user log folder (tests)


def set_log_dir(path: str | Path | None) -> None:
    global _log_dir
    _log_dir = Path(path) if path is not None else None


def log_dir() -> Path:
    if _log_dir is not None:
        return _log_dir
    from platformdirs import user_log_dir

    return Path(user_log_dir("backprop-studio", appauthor=False))


def log_exception(exc_type, exc, tb) -> Path:
    """Append the traceback to the log file and return its path. Never raises."""
    return log_text("".join(traceback.format_exception(exc_type, exc, tb)))


def log_text(text: str) -> Path:
    """Append `text` (e.g. a failed download's details) to the log file; return its path."""
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    entry = f"---- {stamp} (pid {os.getpid()})\n{text.rstrip()}\n\n"
    for folder in (log_dir, lambda: Path(tempfile.gettempdir()) / "backprop-studio"):
        try:
            d = folder()
            d.mkdir(parents=True, exist_ok=True)
            path = d / LOG_NAME
            if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, d / (LOG_NAME + ".1"))
            with open(path, "a", encoding="utf-8") as f:
                f.write(entry)
            return path
        except Exception:  # noqa: BLE001 - the logger must not fail; try the next folder
            continue
    return Path(LOG_NAME)
