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


def joined_sum(terms: list[str], limit: int = 8, total: int | None = None) -> str:
    """'t1 + t2 + …' with at most `limit` terms written out, then a count of the rest.

    `total` is the number of terms in the sum when only the first ones were formatted (see
    `shown`), so a 784-term sum costs 7 formatted terms, not 784."""
    total = len(terms) if total is None else total
    if total <= limit:
        return " + ".join(terms) if terms else "0"
    return " + ".join(terms[: limit - 1]) + f" + … ({total - limit + 1} more terms)"


def shown(n: int, limit: int = 8) -> range:
    """The indices of a sum of n terms that joined_sum will write out."""
    return range(n) if n <= limit else range(limit - 1)
