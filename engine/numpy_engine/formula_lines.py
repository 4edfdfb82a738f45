"""A formula broken into lines: its statements ("a;  b" is two lines), and a statement too long
for a line broken before a top-level "=" or " + " (continuation lines start with it), or a list
of values ("with a = …, y = …") after its commas. The
lines are in the trace's notation; latex.to_latex translates each."""

from __future__ import annotations

from collections.abc import Callable

SHORT_SIDE = 14  # a left-hand side this short stays on the line of what it equals


def _split_top(s: str, sep: str) -> list[str]:
    """s split at `sep` outside parentheses and brackets: at each place `sep` starts (overlapping
    ones too) where the brackets opened up to and including that character are all closed."""
    parts, start, depth, counted = [], 0, 0, 0
    k = s.find(sep)
    while k >= 0:
        seen = s[counted : k + 1]  # the brackets since the last place looked at
        depth += seen.count("(") + seen.count("[") - seen.count(")") - seen.count("]")
        counted = k + 1
        if depth == 0:
            parts.append(s[start:k])
            start = k + len(sep)
        k = s.find(sep, k + 1)
    parts.append(s[start:])
    return parts


INDEX_WEIGHT = 0.8  # an index character's typeset width, in characters of the main line


def typeset_len(s: str) -> float:
    """About how wide `s` is once typeset, in characters of the main line: the brackets of
    w[1][2,0,0,0] vanish and what they hold becomes a smaller super- or subscript, so a conv
    term of 26 characters is typeset about as wide as 15 (measured at 36 px)."""
    if "[" not in s:  # no index: every character but a stray "]" counts whole
        return float(len(s) - s.count("]"))
    depth, out = 0, 0.0
    for c in s:
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        else:
            out += INDEX_WEIGHT if depth else 1.0
    return out


def plain_lines(text: str, width: float = 0, size: Callable[[str], float] = len) -> list[str]:
    """The statements of a formula in the trace's notation, one per line ("a; b" is two lines).
    With `width`, a statement longer than that (measured by `size`: characters by default) is
    also broken before a top-level "=", and a long sum before a top-level " + " (continuation
    lines start with it)."""
    lines: list[str] = []
    for part in _split_top(text, ";"):
        part = part.strip()
        if part:
            lines.extend(_break(part, width, size) if width else [part])
    return lines


def _bindings(s: str, width: float, size: Callable[[str], float]) -> list[str]:
    """ "with a = −2.544, y = 1.83, n = 16, K = 1: −0.5468" broken after its commas, each
    "symbol = value" whole (broken before its "=", the lecturer read "y" / "= 1.83, n")."""
    items = _split_top(s, ", ")
    pieces, line = [], items[0]
    for item in items[1:]:
        if size(line) + 2 + size(item) > width:
            pieces.append(line + ",")
            line = item
        else:
            line += ", " + item
    return [*pieces, line]


def _break(s: str, width: float, size: Callable[[str], float]) -> list[str]:
    if size(s) <= width:
        return [s]
    if s.startswith("with ") and len(_split_top(s, ", ")) > 1:
        return _bindings(s, width, size)
    pieces: list[str] = []
    eq = _split_top(s, " = ")
    chunks = [eq[0]] + ["= " + p for p in eq[1:]]
    if len(chunks) > 1 and len(chunks[0]) <= SHORT_SIDE:  # "m" alone on a line reads badly:
        chunks[:2] = [chunks[0] + " " + chunks[1]]  # m = 0.9·0 + 0.1·g, then = 0.008943
    for chunk in chunks:
        terms = _split_top(chunk, " + ")
        line = terms[0]
        for t in terms[1:]:
            if size(line) + 3 + size(t) > width:
                pieces.append(line)
                line = "+ " + t
            else:
                line += " + " + t
        pieces.append(line)
    return pieces
