"""The `backprop-studio` command: the GUI by default, and headless `trace`, `train`, `lr-find`,
`sweep`, `evaluate`, `runs`. One module per command group, each registering its subcommands.
Qt and torch are imported only by the subcommands that need them, so `trace` starts fast.
Bad input is one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from app.cli import (
    code_commands,
    export_commands,
    gui_commands,
    landscape_commands,
    lesson_commands,
    runs_commands,
    torch_commands,
    trace_commands,
)
from app.cli.common import EXIT_BAD_INPUT, fail

DESCRIPTION = (  # --help's first lines: whole sentences, not the docstring's first line
    "Backprop Studio: the explainer window by default (every number of a small network's "
    "training step), the MNIST trainer (`trainer`), and headless commands to trace, train, "
    "sweep, evaluate and export."
)

__all__ = ["EXIT_BAD_INPUT", "build_parser", "fail", "main"]

GROUPS = (
    gui_commands,
    trace_commands,
    torch_commands,
    runs_commands,
    export_commands,
    lesson_commands,
    code_commands,
    landscape_commands,
)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors (an unknown command, `--epochs x`) are one line on stderr and
    exit code 2, like every other bad input; subcommands' parsers are of this class too."""

    def error(self, message: str):
        command = self.prog.partition(" ")[2]  # "train" in "backprop-studio train"
        sys.exit(fail(f"{command}: {message}" if command else message))


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="backprop-studio", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command")
    for group in GROUPS:
        group.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui", *(argv if argv is not None else sys.argv[1:])])
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        return fail("not enough memory for this command")
    except Exception as e:  # a bug: one line, the traceback in the log file
        from engine.crash_log import log_exception

        where = log_exception(type(e), e, e.__traceback__)
        print(f"backprop-studio: internal error: {e!r} (details in {where})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
