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


def apart(lo: float, hi: float, digits: int = 8) -> tuple[str, str]:
    """lo and hi with as few significant digits (3 up to `digits`) as tell them apart, both
    with as many ("0.7029 to 0.7030"; a nearly flat landscape read "loss 0.703 to 0.703");
    equal even so, both at 3 digits."""
    for d in range(3, digits + 1):
        form = f".{d}g" if d == 3 else f"#.{d}g"
        a, b = format(lo, form), format(hi, form)
        if a != b:
            return a, b
    return f"{lo:.3g}", f"{hi:.3g}"


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


LONG_SUM = 16  # up to this many terms (all a drawing shows of a layer) a sum is written in order


def largest(values, limit: int = 8) -> tuple[list[int], float]:
    """For a sum of more than LONG_SUM terms: the indices of the limit − 1 largest in size (largest
    first) and the sum of all the others (a 784-term sum is written as its 7 largest terms and
    "+ 0.0213 (777 more terms)", which add up to its value). A shorter sum: the indices `shown`
    writes, in order, and 0 (its rest is written as a count, as before)."""
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    if v.size <= LONG_SUM:
        return list(shown(v.size, limit)), 0.0
    k = limit - 1
    top = np.argpartition(-np.abs(v), k - 1)[:k]
    top = top[np.argsort(-np.abs(v[top]), kind="stable")]
    return [int(i) for i in top], float(v.sum() - v[top].sum())


def largest_sum(terms: list[str], total: int, rest: float) -> str:
    """The terms `largest` chose, then the rest's sum and count (when there is a rest)."""
    if total <= LONG_SUM:
        return joined_sum(terms, len(terms) + (total > len(terms)), total)
    return " + ".join(terms) + f" + {par(rest)} ({total - len(terms)} more terms)"


def largest_note(shown_n: int, total: int, what: str, rest: float) -> str:
    if total <= LONG_SUM:
        return ""
    return (
        f"The {shown_n} largest of the {total:,} terms {what} are written out, largest first; "
        f"the other {total - shown_n:,} add up to {num(rest)}."
    )
