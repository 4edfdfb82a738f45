"""What every command shares: bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import sys

EXIT_BAD_INPUT = 2


def fail(message: str) -> int:
    print(f"backprop-studio: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


RUNS_DB_HELP = (
    "the run store (default: runs.sqlite in the user data folder, or $BACKPROP_STUDIO_RUNS)"
)


def add_runs_db(parser, **kw) -> None:
    """The --runs-db option, the same wherever runs are recorded or read."""
    kw.setdefault("default", None)
    kw.setdefault("help", RUNS_DB_HELP)
    parser.add_argument("--runs-db", metavar="PATH", **kw)
