"""Which colour each run of the run list wears, the one rule behind the swatch, Compare runs and
the sweeps' plots: a run of a sweep (or of any group of runs) takes its value's colour, the
value's place in the sweep (its runs in the order they were made; a value's seeds share it, as
the sweep's plots draw them as one mean curve); any other run takes its own number's colour.
A colour index goes through app.shared.theme.run_colour."""

from __future__ import annotations

from collections.abc import Iterable

from engine.torch_engine.experiments import value_label


def colour_indices(rows: Iterable) -> dict[int, int]:
    """run id -> colour index, for RunRow-like rows (id, group_id, group_label)."""
    out: dict[int, int] = {}
    values: dict[str, dict[str, int]] = {}  # group -> value label -> its place in the group
    for r in sorted(rows, key=lambda r: r.id):
        if r.group_id is None:
            out[r.id] = r.id
            continue
        places = values.setdefault(r.group_id, {})
        out[r.id] = places.setdefault(value_label(r.group_label), len(places))
    return out
