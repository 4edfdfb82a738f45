"""What every command shares: bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import sys

EXIT_BAD_INPUT = 2


def fail(message: str) -> int:
    print(f"backprop-studio: error: {one_line(message)}", file=sys.stderr)
    return EXIT_BAD_INPUT


def one_line(text: str) -> str:
    """`text` as one line of plain text: a control character (a newline in a key or a file's
    name, a terminal's escape) is written as its escape, so a refusal stays one line and
    cannot restyle the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


RUNS_DB_HELP = (
    "the run store (default: runs.sqlite in the user data folder, or $BACKPROP_STUDIO_RUNS)"
)


def add_runs_db(parser, **kw) -> None:
    """The --runs-db option, the same wherever runs are recorded or read."""
    kw.setdefault("default", None)
    kw.setdefault("help", RUNS_DB_HELP)
    parser.add_argument("--runs-db", metavar="PATH", **kw)
