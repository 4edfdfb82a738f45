"""Dense-only files give the same numbers and events as before the layer modules came in.

The fixture holds `trace --steps 2 --events all --json` of a few dense presets, recorded before the
refactor (large traces keep every 101st event). Events gained kind, layer and index; every field
they had before must be unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.network import params_as_layers

FIXTURE = Path(__file__).parent / "fixtures" / "dense_traces.json"
PRESETS = Path(__file__).parents[2] / "assets" / "presets"
RECORDED = json.loads(FIXTURE.read_text())


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
        assert {k: new[k] for k in old} == old
        assert new["kind"] and isinstance(new["layer"], int)
    assert losses == rec["losses"]
    assert params_as_layers(state.params) == rec["parameters"]
