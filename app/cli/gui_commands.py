"""`gui` (the default) and `trainer`: the two views of the app."""

from __future__ import annotations

import os
import sys

from app.cli.common import fail


def no_window() -> str:
    """Why no window can open here ("" when one can): on Linux without a display Qt aborts the
    process with six lines of its own (exit 134), saying nothing of the command."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return "no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"


def cmd_gui(args) -> int:
    if args.network is not None and not os.path.lexists(os.path.expanduser(args.network)):
        return fail(f"no such file: {args.network}")
    if why := no_window():
        return fail(why)
    from app.main import run_gui

    return run_gui(network=args.network)


def cmd_trainer(args) -> int:
    if args.data is not None and not os.path.isdir(os.path.expanduser(args.data)):
        return fail(f"--data: the folder {args.data} does not exist")
    if why := no_window():
        return fail(why)
    from app.main import run_gui

    return run_gui(view="trainer", data_dir=args.data)


def add_commands(sub) -> None:
    g = sub.add_parser("gui", help="open the explainer window (the default)")
    g.add_argument("network", nargs="?", help="a network file to open")
    g.set_defaults(func=cmd_gui)
    t = sub.add_parser("trainer", help="open the MNIST trainer window")
    t.add_argument("--data", default=None, help="folder with MNIST (IDX or CSV form)")
    t.set_defaults(func=cmd_trainer)
