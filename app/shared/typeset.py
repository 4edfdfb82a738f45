"""Trace text to Qt rich text: bracket indices become super/subscripts, powers become superscripts,
so a formula reads like the course's notation from the back of a room."""

from __future__ import annotations

import html
import re

_INDEXED = re.compile(r"([A-Za-zσδℓ]+)((?:\[(?:\d+|[a-z])\])+)")
_GREEK_INDEX = re.compile(r"([βλμ])(\d|t\+1|t)\b")
_POWER = re.compile(r"\^(\((?:[^()]|\([^()]*\))*\)|[−\-]?[\w.]+)")
_PHASE_COLOURS = {
    "forward": "#1f77b4",
    "loss": "#9467bd",
    "backward": "#d62728",
    "update": "#2ca02c",
}


def _indices(m: re.Match) -> str:
    name, idx = m.group(1), re.findall(r"\[(\d+|[a-z])\]", m.group(2))
    if len(idx) == 1:
        return f"{name}<sub>{idx[0]}</sub>"
    return f"{name}<sup>({idx[0]})</sup><sub>{''.join(idx[1:])}</sub>"


def _power(m: re.Match) -> str:
    p = m.group(1)
    if p.startswith("(") and p.endswith(")"):
        p = p[1:-1]
    return f"<sup>{p}</sup>"


def rich(text: str) -> str:
    """Rich text for one formula line."""
    s = html.escape(text, quote=False)
    s = _INDEXED.sub(_indices, s)
    s = _POWER.sub(_power, s)
    s = _GREEK_INDEX.sub(r"\1<sub>\2</sub>", s)
    s = (
        s.replace("Σ_k", "Σ<sub>k</sub>")
        .replace("Σ_s", "Σ<sub>s</sub>")
        .replace("Σ_i", "Σ<sub>i</sub>")
    )
    s = s.replace(";  ", "<br>")
    return s


def phase_colour(phase: str) -> str:
    return _PHASE_COLOURS.get(phase, "#333333")
