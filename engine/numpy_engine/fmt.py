"""Number formatting shared by every trace string (one place, so the GUI and CLI agree)."""

from __future__ import annotations

import math

MINUS = "\u2212"  # a typographic minus reads better on a projector than "-"


def num(x: float, digits: int = 4) -> str:
    """A short, readable number: 4 significant digits, scientific only when it must be."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    if x == 0:
        return "0"
    ax = abs(x)
    s = f"{x:.{digits}g}" if 1e-4 <= ax < 1e5 else f"{x:.{digits - 1}e}"
    return s.replace("-", MINUS)


def par(x: float, digits: int = 4) -> str:
    """Like num, but a negative number is wrapped in parentheses for use inside a product."""
    s = num(x, digits)
    return f"({s})" if s.startswith(MINUS) else s


def joined_sum(terms: list[str], limit: int = 8) -> str:
    """'t1 + t2 + …' with at most `limit` terms written out, then a count of the rest."""
    if len(terms) <= limit:
        return " + ".join(terms) if terms else "0"
    return " + ".join(terms[: limit - 1]) + f" + … ({len(terms) - limit + 1} more terms)"
