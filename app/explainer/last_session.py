"""The explainer's last session: reopened at start, saved at quit. One that cannot be reopened is
kept aside (last_session.damaged.json) and said, before the quit writes a new one over it; a
save that fails at quit is said on the terminal and in the log too (it was said only in the
status bar of the window closing, and never seen)."""

from __future__ import annotations

import sys

from engine.atomic import keep_aside
from engine.crash_log import log_text

from .data_panel import PRESET_DIR
from .session import save_session

DEFAULT_PRESET = PRESET_DIR / "mazur_2_2_2.json"  # the worked example, when nothing else opens
NAME = "last_session.json"


def reopen(window) -> None:
    """The last session, else the default preset."""
    last = window.settings_dir / NAME
    if last.exists() and window.open_session(last):
        return
    if last.exists():
        aside = keep_aside(last)
        kept = f"it is kept as {aside}" if aside else f"{last} will be written over at the quit"
        window.statusBar().showMessage(f"the last session could not be opened; {kept}", 20000)
    window.open_network(str(DEFAULT_PRESET))


def save_at_quit(window) -> None:
    if window.explainer.net is None:
        return
    try:
        save_session(window.explainer, window.settings_dir / NAME)
    except (OSError, ValueError) as e:
        said = f"the last session was not saved: {e}"
        window.statusBar().showMessage(said)
        print(f"backprop-studio: {said}", file=sys.stderr)
        log_text(said)
