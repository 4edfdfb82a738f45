"""Node, edge and cell ids are small typed values: their text is the trace's and the lessons'
(unchanged), their parts are read as attributes, never parsed back."""

import json
import pickle

import pytest

from engine.numpy_engine import ids
from engine.numpy_engine.ids import BiasId, CellId, EdgeId, KernelBiasId, KernelId, NodeId

CASES = [
    (ids.node(2, 5), NodeId, "n2_5", {"l": 2, "j": 5}),
    (ids.edge(1, 0, 3), EdgeId, "w1_0_3", {"l": 1, "j": 0, "i": 3}),
    (ids.bias_id(3, 1), BiasId, "b3_1", {"l": 3, "j": 1}),
    (ids.cell(0, 1, 2, 3), CellId, "c0_1_2_3", {"l": 0, "ch": 1, "y": 2, "x": 3}),
    (ids.kernel(1, 2, 0, 1, 2), KernelId, "k1_2_0_1_2", {"l": 1, "f": 2, "ch": 0, "i": 1, "j": 2}),
    (ids.kernel_bias(1, 4), KernelBiasId, "kb1_4", {"l": 1, "f": 4}),
]


@pytest.mark.parametrize("made, kind, text, parts", CASES, ids=lambda c: str(c)[:12])
def test_an_id_is_its_text_and_keeps_its_parts(made, kind, text, parts):
    assert type(made) is kind and made == text and hash(made) == hash(text)
    assert {text: 1}[made] == 1 and json.dumps([made]) == f'["{text}"]'  # the JSON is unchanged
    assert {k: getattr(made, k) for k in parts} == parts
    assert made.parts() == tuple(parts.values())
    back = pickle.loads(pickle.dumps(made))  # to and from the training child
    assert type(back) is kind and back == made and back.parts() == made.parts()
    with pytest.raises(AttributeError):
        made.l = 9


def test_unit_ids_of_flat_and_image_layers():
    assert ids.unit_id(2, (4,), 3) == ids.node(2, 3)
    c = ids.unit_id(1, (2, 3, 4), 1 * 12 + 2 * 4 + 3)
    assert type(c) is CellId and c.parts() == (1, 1, 2, 3) and c.grid == "c1_1"
    assert ids.LOSS == "loss" and not isinstance(ids.LOSS, ids.Id)


def test_the_trace_hands_out_typed_ids():
    from pathlib import Path

    from engine.numpy_engine import Network, parse_network

    root = Path(__file__).parents[2]
    spec = parse_network(json.loads((root / "assets/presets/xor_2_2_1.json").read_text()))
    net = Network(spec)
    step = net.step(net.initial_state())
    seen = {type(x) for ev in step.events for x in (*ev.nodes, *ev.edges)}
    assert NodeId in seen and EdgeId in seen and BiasId in seen
    assert seen <= {NodeId, EdgeId, BiasId, str}  # str: only "loss"
    assert all(x == "loss" for ev in step.events for x in ev.nodes if type(x) is str)
