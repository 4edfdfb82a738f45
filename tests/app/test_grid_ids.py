"""The map drawing's grids are typed ids (engine/numpy_engine/ids.py GridId): the app reads their
kind, layer, channel and filter as attributes and never parses a grid's or a cell's text."""

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from app.explainer.cell_pick import unit_of
from app.explainer.conv_state import Grid
from app.explainer.landscape_pick import kernel_weight
from engine.numpy_engine import ids

APP = Path(__file__).parents[2] / "app"

# Reading an id's parts back out of its text: what the map drawing did before its grids were typed.
PARSING = [
    r"\.split\(\s*[\"']_[\"']",  # "c1_0".split("_")
    r"\.r?partition\(\s*[\"']_[\"']",  # cid.rpartition("_")
    r"\bprefix\s*(\[|\+\s*[\"']_)",  # prefix[1:], prefix + "_"
    r"\.startswith\(\s*\(?\s*[\"'](c|n|k|kb|w|b|t|read)\d*_?[\"']",  # cid.startswith("n1_")
    r"\.removeprefix\(\s*[\"'](c|n|k|kb|w|b|t|read)[\"']",
]
OLD = [  # lines of the old parsers: each pattern must catch at least one
    'if prefix.startswith("c"):',
    'l, ch = (int(v) for v in prefix[1:].split("_"))',
    "head, _, tail = cid.rpartition('_')",
    "st.drawn = frozenset(x for x in ev.nodes[1:] if x.startswith('n1_'))",
    'cs.touched | {i for i in look if i.startswith(("c", "k"))}',
    'if not cid.startswith(grid.prefix + "_"):',
    'l = int(prefix.removeprefix("n"))',
]
FINE = [  # lines that are no id parsing
    'if g.label.startswith("ch"):',
    'symbol, _, number = text.rpartition("=")',
    'c.title.startswith("a[")',
    'values, kind = r.grads[l - 1][0], "update_w" if kind.startswith("update") else "grad_w"',
]


def _parses(line: str) -> bool:
    return any(re.search(p, line) for p in PARSING)


def test_the_patterns_catch_the_old_parsers_and_nothing_else():
    assert all(_parses(line) for line in OLD)
    assert all(any(re.search(p, line) for line in OLD) for p in PARSING)
    assert not any(_parses(line) for line in FINE)


def test_no_module_of_the_app_parses_an_id_back():
    found = [
        f"{path.relative_to(APP.parent)}:{n}: {line.strip()}"
        for path in sorted(APP.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _parses(line)
    ]
    assert found == []


def test_a_grid_finds_its_cells_by_their_typed_ids():
    """Grid.at (the lesson's hidden cell, the outlines, the ranks): a map's cell, a filter's
    weight, a dense unit laid out `wrap` a row; ids of other grids, beyond it or untyped: None."""
    m = Grid("ch 0", np.zeros((2, 3)), ids.map_grid(1, 0))
    assert m.at(ids.cell(1, 0, 1, 2)) == (1, 2)
    assert m.at(ids.cell(1, 1, 1, 2)) is None and m.at(ids.cell(2, 0, 1, 2)) is None
    assert m.at(ids.cell(1, 0, 2, 0)) is None  # below the grid
    assert m.at("c1_0_1_2") is None  # text is never parsed
    k = Grid("f0·c1", np.zeros((2, 2)), ids.filter_grid(1, 0, 1))
    assert k.at(ids.kernel(1, 0, 1, 1, 0)) == (1, 0) and k.at(ids.kernel_bias(1, 0)) is None
    v = Grid("", np.zeros((2, 16)), ids.units_grid(3), wrap=16)
    assert v.at(ids.node(3, 19)) == (1, 3) and v.at(ids.node(3, 32)) is None
    col = Grid("", np.zeros((5, 1)), ids.units_grid(2))
    assert col.at(ids.node(2, 4)) == (4, 0) and col.at(ids.edge(2, 4, 0)) is None
    for g in (m, k, v, col):  # a clicked cell's id is found back where it was clicked
        assert g.at(g.gid.cell(1, 0, g.wrap)) == (1, 0)


def test_a_clicked_cell_names_its_unit_or_filter_weight():
    shapes = {0: (3, 4, 5)}
    model = SimpleNamespace(
        in_shape=(2, 3, 4), layer=lambda k: SimpleNamespace(out_shape=shapes[k])
    )
    assert unit_of(model, ids.map_grid(0, 1), 2, 3, 0) == (
        0,
        np.ravel_multi_index((1, 2, 3), (2, 3, 4)),
    )
    assert unit_of(model, ids.map_grid(1, 2), 3, 1, 0) == (
        1,
        np.ravel_multi_index((2, 3, 1), (3, 4, 5)),
    )
    assert unit_of(model, ids.units_grid(2), 1, 3, 16) == (2, 19)
    assert unit_of(model, ids.units_grid(2), 5, 0, 0) == (2, 5)
    for other in (ids.filter_grid(1, 0, 0), ids.terms_grid(), ids.read_grid(3)):
        assert unit_of(model, other, 0, 0, 0) is None
    assert kernel_weight(ids.filter_grid(1, 2, 0), 1, 0) == (1, 2, 0, 1, 0)
    assert kernel_weight(ids.map_grid(0, 0), 1, 0) is None
