"""The last line of defence: no exception reaches Qt's event loop unhandled.

`install_excepthook()` (called by app.main.run_gui) replaces sys.excepthook, which PySide6 calls
for an exception raised in a slot, a timer or a virtual method: the traceback is appended to a log
file in the user log folder and the user gets one message saying what happened and where the
details are. `guarded(fn, report)` wraps a handler the same way but reports through the window.
The log file itself is written by engine/crash_log.py (Qt-free, so the command line uses it
without app/shared); its names are re-exported here for the windows.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from engine.crash_log import (  # noqa: F401 - re-exported for the windows
    LOG_NAME,
    MAX_LOG_BYTES,
    log_dir,
    log_exception,
    log_text,
    set_log_dir,
)

REPEAT_QUIET_S = 10.0  # the same error again within this many seconds is logged, not shown

_showing = threading.local()
_last_shown: dict[str, float] = {}  # message -> when it was last shown


def plain_message(exc: BaseException) -> str:
    """One plain sentence for an exception a user can understand, else its type and text."""
    if isinstance(exc, MemoryError):
        return "there was not enough memory for this"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    if isinstance(exc, OSError) and exc.strerror:
        name = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{name}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ValueError) and text:
        return text[:500]
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def report_text(exc: BaseException, log_path: Path) -> str:
    return (
        f"Something went wrong: {plain_message(exc)}. Nothing else was changed; the details are "
        f"in {log_path}."
    )


def _show_box(text: str) -> None:
    """Tell the user: through the active window's show_error when it has one, else a box."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if app is None:
        print(text, file=sys.stderr)
        return
    candidates = [app.activeWindow(), *app.topLevelWidgets()]
    win = next((w for w in candidates if hasattr(w, "show_error") and w.isVisible()), None)
    if win is not None:
        win.show_error(text)
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "Backprop Studio", text)
    box.open()
    _boxes.append(box)


_boxes: list = []  # message boxes kept alive until closed


def handle(exc_type, exc, tb, show: Callable[[str], None] | None = None) -> str:
    """Log an exception and show its message (once, even if showing fails). Returns the text."""
    path = log_exception(exc_type, exc, tb)
    text = report_text(exc, path)
    if getattr(_showing, "busy", False):  # an error while showing an error: log only
        return text
    now = time.monotonic()
    if now - _last_shown.get(text, -REPEAT_QUIET_S) < REPEAT_QUIET_S:
        return text  # a timer failing every tick shows one message, not one per tick
    _last_shown[text] = now
    _showing.busy = True
    try:
        (show or _show_box)(text)
    except Exception:  # noqa: BLE001 - showing must not raise from the hook
        log_exception(*sys.exc_info())
        print(text, file=sys.stderr)
    finally:
        _showing.busy = False
    return text


def _hook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    handle(exc_type, exc, tb)


def _thread_hook(args) -> None:
    if args.exc_type is not SystemExit:
        log_exception(args.exc_type, args.exc_value, args.exc_traceback)


def install_excepthook() -> None:
    """Make the handler above the process's last resort (the GUI calls this once)."""
    sys.excepthook = _hook
    threading.excepthook = _thread_hook


def guarded(fn: Callable, report: Callable[[str], None]) -> Callable:
    """`fn` for a slot: any exception is logged and reported with `report`, never raised."""

    @wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the boundary between Python and Qt
            handle(type(e), e, e.__traceback__, report)
            return None

    return run
