"""`gui` (the default) and `trainer`: the two views of the app."""

from __future__ import annotations


def cmd_gui(args) -> int:
    from app.main import run_gui

    return run_gui(network=args.network)


def cmd_trainer(args) -> int:
    from app.main import run_gui

    return run_gui(view="trainer", data_dir=args.data)


def add_commands(sub) -> None:
    g = sub.add_parser("gui", help="open the explainer window (the default)")
    g.add_argument("network", nargs="?", help="a network file to open")
    g.set_defaults(func=cmd_gui)
    t = sub.add_parser("trainer", help="open the MNIST trainer window")
    t.add_argument("--data", default=None, help="folder with MNIST (IDX or CSV form)")
    t.set_defaults(func=cmd_trainer)
