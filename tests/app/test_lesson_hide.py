"""The question's number hidden in the drawing's and the formula's states (Qt-free parts of the
player), read from real events."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.explainer.conv_state import Column, ConvState, Grid
from app.explainer.lesson_hide import hide_in_conv, hide_in_lines, hide_in_snippet, hide_in_view
from app.explainer.scene_state import ViewState
from engine.lessons.address import parse_address, resolve
from engine.numpy_engine import Network, ids
from engine.numpy_engine.codegen.snippets import event_code
from engine.numpy_engine.fmt import num
from engine.numpy_engine.handout import event_lines

PRESETS = Path(__file__).resolve().parents[2] / "assets" / "presets"


def _event(name, obj):
    net = Network.from_file(PRESETS / f"{name}.json")
    r = net.step(net.initial_state())
    return r.events[resolve(r.events, r.rows, parse_address(obj))]


def test_the_formula_keeps_its_numbers_and_loses_its_result():
    ev = _event("mazur_2_2_2", {"kind": "delta", "layer": 2, "sample": 0, "unit": 0})
    t = event_lines(ev)
    lines = [(x, "c") for x in (*t.formula, *t.numbers)] + [(t.value, "v")]
    out = hide_in_lines(ev, lines)
    assert out[-1] == ("δ[2][0] = ?", "v")
    assert out[-2][0].endswith("0.7414·0.1868 = ?") and "0.1385" not in " ".join(x for x, _ in out)


def test_the_drawing_hides_only_the_number_asked():
    z = _event("mazur_2_2_2", {"kind": "z", "layer": 1, "sample": 0, "unit": 0})
    vs = ViewState(node_values={"n1_0": "z=0.378", "n1_1": "z=0.393"})
    hide_in_view(vs, z)
    assert vs.node_values == {"n1_0": "z=?", "n1_1": "z=0.393"}
    da = _event("mazur_2_2_2", {"kind": "da", "layer": 2, "sample": 0, "unit": 0})
    vs = ViewState(node_values={"n2_0": "a=0.751"})
    assert hide_in_view(vs, da).node_values == {"n2_0": "a=0.751"}  # ∂L/∂a is not drawn
    up = _event("mazur_2_2_2", {"kind": "update", "layer": 2, "weight": [0, 1]})
    vs = ViewState(edge_text={"w2_0_1": "0.4087", "w2_0_0": "0.3589"})
    assert hide_in_view(vs, up).edge_text == {"w2_0_1": "?", "w2_0_0": "0.3589"}


def test_an_image_cell_is_blank_until_answered():
    ev = _event("cnn_conv_4x3", {"kind": "z", "layer": 1, "sample": 0, "unit": [0, 0, 1]})
    grid = Grid("f0", np.arange(6.0).reshape(2, 3), ids.map_grid(1, 0))
    cs = ConvState([Column("layer 1", [grid])], focus=ev.nodes[0])
    out = hide_in_conv(cs, ev).columns[0].grids[0].values
    assert ev.nodes[0] == "c1_0_0_1" and np.isnan(out[0, 1]) and np.isnan(out).sum() == 1


def test_the_code_panel_keeps_what_the_number_needs_and_loses_the_number():
    for name, obj in (
        ("mazur_2_2_2", {"kind": "z", "layer": 1, "sample": 0, "unit": 0}),
        ("mazur_2_2_2", {"kind": "update", "layer": 2, "weight": [0, 1]}),
        ("spiral_deep", {"kind": "update", "layer": 1, "weight": [3, 1]}),
        ("cnn_conv_4x3", {"kind": "z", "layer": 1, "sample": 0, "unit": [0, 0, 1]}),
    ):
        ev = _event(name, obj)
        net = Network.from_file(PRESETS / f"{name}.json")
        sn = event_code(ev, net.step(net.initial_state()).events.arrays)
        hid = hide_in_snippet(sn, ev)
        assert sn.variables[-1].value.split(" → ")[-1] == num(ev.value)  # what is hidden
        assert hid.variables[:-1] == sn.variables[:-1]  # what it needs stays
        assert hid.variables[-1].name == sn.variables[-1].name
        assert hid.variables[-1].value.split(" → ")[-1] == "?"
        assert num(ev.value) not in hid.variables[-1].value
        assert hid.lines == sn.lines and hid.torch_lines == sn.torch_lines
    assert hide_in_snippet(None, ev) is None


def test_a_value_that_is_the_number_is_hidden_unless_the_formula_works_with_it():
    """A one-sample batch's δ·a row is ∂L/∂w itself: hidden too. A bias of 0 beside a z of 0
    is a number the formula works with: kept."""
    from dataclasses import replace

    ev = _event("mazur_2_2_2", {"kind": "grad_w", "layer": 2, "weight": [0, 0]})
    net = Network.from_file(PRESETS / "mazur_2_2_2.json")
    sn = event_code(ev, net.step(net.initial_state()).events.arrays)
    shown = num(ev.value)
    assert [v.value for v in sn.variables].count(shown) == 2  # the product and dW
    hid = hide_in_snippet(sn, ev)
    assert shown not in [v.value for v in hid.variables]
    assert [v.name for v in hid.variables] == [v.name for v in sn.variables]
    z = replace(ev, value=0.0, substituted="0.25·0.05 + 0.3·0.1 + 0 = 0")  # b = 0 is worked
    bias = replace(sn.variables[-2], value="0", computed=False)  # an input, as b is
    vars0 = (*sn.variables[:-2], bias, sn.variables[-1])
    kept = hide_in_snippet(replace(sn, variables=vars0), z)
    assert kept.variables[-2].value == "0" and kept.variables[-1].value == "?"


def test_a_batch_products_row_is_hidden_with_the_sum_it_adds_up_to():
    """∂L/∂w = Σ_s δ·a: the row of products δ·a, one a sample, is worked out on the way to the
    number. With one product not 0 it reads the number itself ("[0, 0.5963]"); hidden whole,
    while δ and a, which the formula multiplies, stay."""
    name = "cnn_edges_digit"
    ev = _event(name, {"kind": "grad_w", "layer": 4, "weight": [0, 20]})
    net = Network.from_file(PRESETS / f"{name}.json")
    sn = event_code(ev, net.step(net.initial_state()).events.arrays)
    products = sn.variables[-2]
    assert products.computed and " * " in products.name
    assert num(ev.value) in products.value.strip("[]").split(", ")  # it reads the answer
    hid = hide_in_snippet(sn, ev)
    assert hid.variables[-2].value == "?" and hid.variables[-1].value == "?"
    assert hid.variables[:-2] == sn.variables[:-2]  # δ and a stay
    assert not any(v.computed for v in sn.variables[:-2])


def test_a_description_loses_the_number_and_keeps_longer_ones():
    from app.explainer.lesson_hide import hide_in_text

    ev = _event("mazur_2_2_2", {"kind": "update", "layer": 2, "weight": [0, 0]})
    assert num(ev.value) == "0.3589"
    text = "E = 0.2984 before the first step, w5 becomes 0.3589. Not 10.3589 or 0.35891."
    assert hide_in_text(text, ev) == (
        "E = 0.2984 before the first step, w5 becomes ?. Not 10.3589 or 0.35891."
    )


def test_a_description_keeps_a_number_the_formula_works_with():
    """A max-pooling winner is one of the window's inputs: its description keeps the input."""
    from app.explainer.lesson_hide import hide_in_text

    ev = _event("cnn_maxpool_4x4", {"kind": "pool", "layer": 1, "sample": 0, "unit": [0, 0, 1]})
    assert num(ev.value) == "5" and "max(5, 3, 1, 2)" in ev.substituted.replace(" = 5", "")
    text = "turn [[1,2,5,3],[3,0,1,2],…] into [[3,5],[2,4]]"
    assert hide_in_text(text, ev) == text


def test_a_loss_that_is_also_a_weight_stays_in_the_description():
    """Lesson 1 asks z for (1, 0) while the step's loss is 0.25, the weights' size: every 0.25 of
    the perceptron's description was hidden ("The weights 0.5, −? and the bias −?"). A number
    the formula works with, sign aside, is an input there, not the answer."""
    from app.explainer.lesson_hide import hide_in_text

    net = Network.from_file(PRESETS / "perceptron_and.json")
    ev = _event("perceptron_and", {"kind": "z", "layer": 1, "sample": 2, "unit": 0})
    assert num(ev.value) == "0.25" and "(−0.25)" in ev.substituted
    text = net.spec.description
    assert hide_in_text(text, ev, loss=0.25) == text and "−0.25" in text
    worked = _event("mazur_2_2_2", {"kind": "z", "layer": 1, "sample": 0, "unit": 0})
    assert hide_in_text("E = 0.2984 before the first step", worked, loss=0.2984) == (
        "E = ? before the first step"
    )  # the worked example's loss still goes


def test_a_pooling_question_hides_its_winner_tag_and_note():
    """The max-pool question's answer was tagged "★max" on the drawing and named in the note
    ("the winner is a[0][0][1][0]"); both wait for the answer. Other notes stay."""
    from app.explainer.lesson_hide import hide_in_note

    ev = _event("cnn_maxpool_4x4", {"kind": "pool", "layer": 1, "sample": 0, "unit": [0, 0, 0]})
    assert "winner" in ev.note and hide_in_note(ev, ev.note) == ""
    z = _event("cnn_conv_4x3", {"kind": "z", "layer": 1, "sample": 0, "unit": [0, 0, 1]})
    assert z.note and hide_in_note(z, z.note) == z.note
    grid = Grid("in", np.arange(16.0).reshape(4, 4), ids.map_grid(0, 0))
    grid.marks = {(1, 0): "max", (0, 0): "3"}
    out = hide_in_conv(ConvState([Column("input", [grid])], focus=ev.nodes[0]), ev)
    assert out.columns[0].grids[0].marks == {(0, 0): "3"}


def test_a_filter_gradient_hides_the_weights_cell_and_keeps_the_deltas_it_sums():
    """Lesson 13 asks ∂L/∂w[1][0][0][0][0] = Σ δ·a: the δ map's first cell, the sum's first term,
    was blanked as if it were the answer."""
    ev = _event("cnn_conv_4x3", {"kind": "grad_w", "layer": 1, "weight": [0, 0, 0, 0]})
    assert ev.nodes[0] == "c1_0_0_0" and ev.edges[0] == "k1_0_0_0_0"
    delta = Grid("δ", np.arange(6.0).reshape(2, 3), ids.map_grid(1, 0))
    kernel = Grid("f0", np.arange(4.0).reshape(2, 2), ids.filter_grid(1, 0, 0))
    cs = ConvState([Column("layer 1", [delta, kernel])], focus=ev.nodes[0])
    out = hide_in_conv(cs, ev).columns[0].grids
    assert not np.isnan(out[0].values).any()
    assert np.isnan(out[1].values[0, 0]) and np.isnan(out[1].values).sum() == 1
