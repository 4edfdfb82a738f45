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


GRIDS = [
    (ids.map_grid(1, 2), "c1_2", ids.MAP, {"l": 1, "ch": 2}),
    (ids.units_grid(3), "n3", ids.UNITS, {"l": 3}),
    (ids.filter_grid(1, 4, 0), "k1_4_0", ids.FILTER, {"l": 1, "f": 4, "ch": 0}),
    (ids.terms_grid(), "t", ids.TERMS, {}),
    (ids.read_grid(3), "read3", ids.READ, {"l": 3}),
]


@pytest.mark.parametrize("made, text, kind, parts", GRIDS, ids=lambda c: str(c)[:12])
def test_a_grid_id_is_its_old_text_and_round_trips(made, text, kind, parts):
    """The map drawing's grids: the same text as the old prefixes (the cells' ids start with it),
    their kind and parts read as attributes, pickled by their parts."""
    assert type(made) is ids.GridId and made == text and hash(made) == hash(text)
    assert made.kind == kind and {k: getattr(made, k) for k in parts} == parts
    assert json.dumps({made: 1}) == f'{{"{text}": 1}}'
    back = pickle.loads(pickle.dumps(made))
    assert type(back) is ids.GridId and back == made and back.parts() == made.parts()
    assert ids.GridId(*made.parts()) == made
    with pytest.raises(AttributeError):
        made.kind = ids.MAP


def test_a_grid_names_its_cells_and_each_cell_names_its_grid():
    cases = [
        (ids.map_grid(1, 2).cell(3, 4), ids.cell(1, 2, 3, 4), (3, 4)),
        (ids.filter_grid(2, 1, 0).cell(0, 1), ids.kernel(2, 1, 0, 0, 1), (0, 1)),
        (ids.units_grid(2).cell(5, 0), ids.node(2, 5), (5,)),
        (ids.units_grid(2).cell(1, 3, wrap=16), ids.node(2, 19), (19,)),  # laid out 16 a row
        (ids.read_grid(3).cell(0, 0), "read3_0_0", (0, 0)),
        (ids.terms_grid().cell(2, 1), "t_2_1", (2, 1)),
    ]
    for made, want, index in cases:
        typed = type(want) if isinstance(want, ids.Id) else ids.GridCellId
        assert made == want and type(made) is typed
        grid, at = ids.drawn_at(made)
        assert type(grid) is ids.GridId and at == index and str(made).startswith(grid + "_")
        assert pickle.loads(pickle.dumps(made)) == made
    c = ids.cell(0, 1, 2, 3)
    assert c.grid == ids.map_grid(0, 1) and type(c.grid) is ids.GridId


def test_ids_drawn_in_no_grid_and_plain_text_are_not_placed():
    """Only typed ids are placed: text that merely looks like one is never parsed."""
    for x in (ids.edge(2, 0, 1), ids.bias_id(1, 0), ids.kernel_bias(1, 0), ids.LOSS, "c1_0_0_0"):
        assert ids.drawn_at(x) is None


@pytest.mark.parametrize("bad", ["", "maps", "c", None, 3])
def test_an_unknown_grid_kind_is_refused_in_one_sentence(bad):
    with pytest.raises(ValueError, match="is no kind of grid"):
        ids.GridId(bad, 1, 0)
