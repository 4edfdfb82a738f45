"""Dense-only files give the same numbers and events as before the layer modules came in.

The fixture holds `trace --steps 2 --events all --json` of a few dense presets, recorded before the
refactor (large traces keep every 101st event). Events gained kind, layer and index; every field
they had before must be unchanged: strings and integers exactly, floats to 1e-14 relative (a few
units in the last place: NumPy's SIMD kernels round differently from one CPU to another, e.g.
AVX-512 against AVX2, so the recording machine's last bit is not every machine's).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.network import params_as_layers

FIXTURE = Path(__file__).parent / "fixtures" / "dense_traces.json"
PRESETS = Path(__file__).parents[2] / "assets" / "presets"
RECORDED = json.loads(FIXTURE.read_text())


def _same(got, want) -> bool:
    """Equal in structure, strings and integers; floats to a few units in the last place."""
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(got, want, rel_tol=1e-14, abs_tol=1e-300) or got == want
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        return len(got) == len(want) and all(map(_same, got, want))
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(_same(got[k], want[k]) for k in want)
    return got == want and isinstance(got, float) == isinstance(want, float)  # ids: str types


def test_the_comparison_can_fail():
    assert _same([1.0, {"a": "x"}], [1.0 + 1e-16, {"a": "x"}])
    assert not _same([1.0], [1.0 + 1e-12])
    assert not _same({"a": "x"}, {"a": "y"}) and not _same([1, 2], [1]) and not _same(1, 1.0)


def _run(name: str):
    net = Network.from_file(PRESETS / f"{name}.json")
    state, events, losses = net.initial_state(), [], []
    for _ in range(2):
        r = net.step(state)
        events.extend(r.events)
        losses.append(r.loss)
        state = r.after
    losses.append(net.loss(state))
    return events, losses, state


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_dense_trace_unchanged(name):
    rec = RECORDED[name]
    events, losses, state = _run(name)
    every = rec.get("sampled_every", 1)
    got = [e.to_dict() for e in events[::every]]
    assert len(got) == len(rec["events"])
    for old, new in zip(rec["events"], got, strict=True):
        assert _same({k: new[k] for k in old}, old), old
        assert new["kind"] and isinstance(new["layer"], int)
    assert _same(losses, rec["losses"])
    assert _same(params_as_layers(state.params), rec["parameters"])
