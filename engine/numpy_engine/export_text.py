"""A step's events as CSV (the LaTeX of an event and the handout: handout.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .trace import Event


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
