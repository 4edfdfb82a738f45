"""Events as LaTeX: each event's formula and numbers (what the formula panel, the exported frames and
the GIFs typeset), and a compilable handout of whole steps (the window's Export and
`backprop-studio trace NET.json --latex FILE.tex`). All of it goes through latex.py."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .fmt import num
from .formula_lines import plain_lines
from .latex import to_latex
from .trace import Event

LINE_WIDTH = 80  # characters of trace notation per typeset line before a long sum is broken
MAX_HANDOUT_EVENTS = 20_000  # events in one handout (a 2-500-500-1 step has 1.3 million)
_ASSIGNS = re.compile(r"^(with|stays)\b|^\S{1,3} [=←] ")


@dataclass(frozen=True)
class EventTex:
    """An event's lines, in LaTeX (event_tex) or in the trace's notation (event_lines)."""

    symbol: str  # the quantity, e.g. \delta^{(2)}_{0}
    formula: tuple[str, ...]  # the symbolic lines
    numbers: tuple[str, ...]  # the same with numbers (the first starts with "=" where it reads so)
    value: str  # symbol = value, e.g. a^{(1)}_{0} = 0.593269


def event_lines(e: Event, width: float = LINE_WIDTH, size=len) -> EventTex:
    """One event's lines in the trace's notation, as typeset: the formula's statements, the
    numbers (the first starting with "=" where it reads so) and "symbol = value". Each line is
    what latex.to_latex translates (the formula panel sends these to its typesetting process).
    `size` measures a line against `width` (formula_lines.typeset_len: as typeset)."""
    numbers = plain_lines(e.substituted, width, size)
    if numbers and not _ASSIGNS.match(e.substituted):
        numbers[0] = "= " + numbers[0]
    formula = _formula_lines(e.formula, width, size)
    return EventTex(e.symbol, formula, tuple(numbers), f"{e.symbol} = {num(e.value, 6)}")


@lru_cache(maxsize=512)
def _formula_lines(formula: str, width: float, size) -> tuple[str, ...]:
    """A formula's symbolic lines, kept: every event of a kind in a layer has the same formula,
    and the explainer asks for them at each key (at several widths while it fits the type)."""
    return tuple(plain_lines(formula, width, size))


def event_tex(e: Event, width: float = LINE_WIDTH, size=len) -> EventTex:
    """One event as LaTeX lines (math mode, no delimiters)."""
    t = event_lines(e, width, size)
    return EventTex(
        to_latex(t.symbol),
        tuple(map(to_latex, t.formula)),
        tuple(map(to_latex, t.numbers)),
        to_latex(t.value),
    )


def _event_block(e: Event) -> str:
    t = event_tex(e)
    where = "whole batch" if e.sample is None else f"sample {e.sample}"
    head = f"\\paragraph{{{e.phase.capitalize()}, {where}: ${t.symbol}$.}}"
    note = f" {text_mode(e.note)}" if e.note else ""
    lines = " \\\\\n  ".join((*t.formula, *t.numbers))
    return f"{head}{note}\n\\begin{{gather*}}\n  {lines}\n\\end{{gather*}}\n"


def handout(steps: Sequence[tuple[int, Iterable[Event]]], title: str) -> str:
    """A whole LaTeX document: each step's events worked out in the course's notation.

    `steps` is (training step number, its events). Only amsmath is needed; the output is ASCII."""
    body = []
    for t, events in steps:
        body.append(f"\\section*{{Training step {t}}}\n")
        body.extend(_event_block(e) for e in events)
    return (
        "\\documentclass[11pt]{article}\n"
        "\\usepackage{amsmath}\n"
        "\\setlength{\\textwidth}{16cm}\\setlength{\\oddsidemargin}{0cm}\n"
        "\\setlength{\\evensidemargin}{0cm}\\setlength{\\parindent}{0pt}\n"
        "\\allowdisplaybreaks\n"
        "\\begin{document}\n"
        f"\\title{{{text_mode(title)}}}\\date{{}}\\maketitle\n"
        + "".join(body)
        + "\\end{document}\n"
    )


_TEXT = {c: "\\" + c for c in "&%$#_{}"} | {
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_SYMBOLS = {"∂": r"$\partial$", "Σ": r"$\Sigma$", "√": r"$\surd$", "²": r"${}^2$"}


def text_mode(s: str) -> str:
    """Prose for a LaTeX document (a title, a note): specials escaped, line breaks as spaces,
    the notation's symbols as inline math; nothing in it can end a group or the document."""
    out = []
    for c in " ".join(s.split()):
        if c.isascii():
            out.append(_TEXT.get(c, c))
        elif c in _SYMBOLS:
            out.append(_SYMBOLS[c])
        elif c == "\u0302":
            continue
        else:
            tex = to_latex(c)
            out.append(f"${tex}$" if tex.isascii() and tex != r"\text{?}" else "?")
    return "".join(out)


def check_handout_size(
    n_events: int, way_out: str = "fewer steps, a smaller batch or a smaller network"
) -> None:
    """A ValueError naming the count, the cap and `way_out` when a handout would be too big."""
    if n_events > MAX_HANDOUT_EVENTS:
        raise ValueError(
            f"the handout would hold {n_events:,} events; at most {MAX_HANDOUT_EVENTS:,} "
            f"({way_out})"
        )
