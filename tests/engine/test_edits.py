"""engine/numpy_engine/edits.py: a hand edit before step 1 or at a later step, found in a history
of traced steps (the exported script and the lesson mode read it)."""

from pathlib import Path

import numpy as np

from engine.numpy_engine import Network
from engine.numpy_engine.codegen import start_network
from engine.numpy_engine.edits import edits, same_params

MAZUR = Path(__file__).parents[2] / "assets" / "presets" / "mazur_2_2_2.json"


def _history(net, edit_at: int | None, steps: int = 3):
    out, state = [], net.initial_state()
    for t in range(steps):
        if t == edit_at:
            state = net.edit_parameter(state, 1, "weights", (0, 0), 1.5)
        r = net.step(state, trace=False)
        out.append(r)
        state = r.after
    return out


def test_no_edit_one_at_step_1_and_one_later_are_told_apart():
    net = Network.from_file(MAZUR)
    assert edits(net, _history(net, None)) == (None, None)
    start, later = edits(net, _history(net, 0))
    assert later is None and start[0][0][0, 0] == 1.5
    assert edits(net, _history(net, 2)) == (None, 3)  # the third step began edited
    assert same_params(net.initial_state().params, net.initial_state().params)
    assert not same_params(net.initial_state().params, None)


def test_the_start_network_begins_where_the_edited_history_began():
    net = Network.from_file(MAZUR)
    history = _history(net, 0)
    begun, later = start_network(net, net.spec, history)
    assert later is None and begun is not net
    np.testing.assert_array_equal(
        begun.initial_state().params[0][0], history[0].before.params[0][0]
    )
    assert begun.step(begun.initial_state(), trace=False).loss == history[0].loss
