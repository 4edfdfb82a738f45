"""Worked equations for handouts: an event as LaTeX, a step's events as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from .trace import Event

_GREEK = {
    "σ": r"\sigma",
    "δ": r"\delta",
    "η": r"\eta",
    "β": r"\beta",
    "μ": r"\mu",
    "ρ": r"\rho",
    "ε": r"\varepsilon",
    "λ": r"\lambda",
    "ψ": r"\psi",
    "α": r"\alpha",
    "Σ": r"\sum",
    "Π": r"\prod",
    "∂": r"\partial ",
    "·": r" \cdot ",
    "−": "-",
    "←": r"\leftarrow ",
    "≥": r"\geq ",
    "√": r"\sqrt",
    "ℓ": r"\ell",
    "…": r"\dots ",
    "²": "^2",
    "∞": r"\infty",
    "m̂": r"\hat m",
    "v̂": r"\hat v",
    "Δ": r"\Delta ",
}
_INDEX = re.compile(r"([A-Za-zσδℓ]+)((?:\[\d+\])+)")


def _indices(m: re.Match) -> str:
    name, idx = m.group(1), re.findall(r"\d+", m.group(2))
    layer, rest = idx[0], "".join(idx[1:])
    if name in ("y",):
        return f"{name}_{{{''.join(idx)}}}"
    return f"{name}^{{({layer})}}_{{{rest}}}" if rest else f"{name}^{{({layer})}}"


def to_latex(text: str) -> str:
    s = text.replace("\\", r"\backslash ")
    for k in ("m̂", "v̂"):
        s = s.replace(k, _GREEK[k])
    s = re.sub(r"∂([A-Za-z]+(?:\[\d+\])*)/∂([A-Za-zσδ]+(?:\[\d+\])*)", r"\\frac{∂\1}{∂\2}", s)
    s = _INDEX.sub(_indices, s)
    for k, v in _GREEK.items():
        s = s.replace(k, v)
    s = re.sub(r"(?<![\\a-zA-Z])(ln|tanh|max|sign|exp)\b", r"\\\1", s)
    s = s.replace("_k", "_{k}").replace("_s", "_{s}")
    s = s.replace(";", r";\quad ")
    return s


def event_latex(e: Event) -> str:
    """The event's formula and numbers as a LaTeX align* block."""
    return (
        "\\begin{align*}\n  "
        + to_latex(e.formula)
        + " \\\\\n  &= "
        + to_latex(e.substituted)
        + "\n\\end{align*}\n"
    )


def events_csv(events: Iterable[Event]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["step", "phase", "sample", "symbol", "formula", "substituted", "value", "note"])
    for e in events:
        w.writerow(
            [
                e.step,
                e.phase,
                "" if e.sample is None else e.sample,
                e.symbol,
                e.formula,
                e.substituted,
                repr(e.value),
                e.note,
            ]
        )
    return buf.getvalue()
