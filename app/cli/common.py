"""What every command shares: bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import sys

EXIT_BAD_INPUT = 2


def fail(message: str) -> int:
    print(f"backprop-studio: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
