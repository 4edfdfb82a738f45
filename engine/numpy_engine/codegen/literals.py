"""Numbers and arrays written as Python source: exact (shortest round-trip repr) and wrapped to
the script's line length, so a student reads the file's numbers as they are."""

from __future__ import annotations

import numpy as np

WIDTH = 96  # the longest line a script gets (ruff's limit in this project is 100)


def number(v: float) -> str:
    """A float as the shortest text that reads back to the same float64."""
    v = float(v)
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError(f"{v} is not a finite number")
    return repr(v)


def nested(a, indent: int) -> list[str]:
    """`a` (an array or nested list) as a list literal, one innermost row per line when it does
    not fit on one; the first line starts at column `indent` (the caller writes what precedes)."""
    a = np.asarray(a, dtype=np.float64)
    one = _flat(a)
    if indent + len(one) <= WIDTH:
        return [one]
    return _lines(a, indent)


def _flat(a: np.ndarray) -> str:
    if a.ndim == 0:
        return number(a)
    return "[" + ", ".join(_flat(x) for x in a) + "]"


def _lines(a: np.ndarray, indent: int) -> list[str]:
    pad = " " * (indent + 4)
    if a.ndim == 1:
        return ["[", *_wrap([number(v) for v in a], pad), " " * indent + "]"]
    out = ["["]
    for sub in a:
        one = _flat(sub)
        if len(pad) + len(one) + 1 <= WIDTH:
            out.append(f"{pad}{one},")
        else:
            inner = _lines(sub, indent + 4)
            out.append(pad + inner[0])
            out.extend(inner[1:-1])
            out.append(inner[-1] + ",")
    out.append(" " * indent + "]")
    return out


def _wrap(tokens: list[str], pad: str) -> list[str]:
    lines, cur = [], pad
    for t in tokens:
        if len(cur) + len(t) + 2 > WIDTH and cur != pad:
            lines.append(cur.rstrip())
            cur = pad
        cur += t + ", "
    lines.append(cur.rstrip())
    return lines


def assign(name: str, a, comment: str = "", wrap_in: str = "") -> list[str]:
    """`NAME = [...]` (or `NAME = wrap_in([...])`), with a trailing comment on the last line."""
    head = f"{name} = {wrap_in}(" if wrap_in else f"{name} = "
    body = nested(a, len(head))
    if len(body) > 1:
        body = _lines(np.asarray(a, dtype=np.float64), 0)
    lines = [head + body[0], *body[1:]]
    if wrap_in:
        lines[-1] += ")"
    if comment:
        last = f"{lines[-1]}  # {comment}"
        lines[-1] = last if len(last) <= WIDTH else lines[-1]
        if len(last) > WIDTH:
            lines.insert(0, f"# {comment}")
    return lines
