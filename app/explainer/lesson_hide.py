"""A question's number hidden where the window would show it: on the drawing (a unit's value, a
weight's new value or gradient, a map's cell), in the formula (the result, and the value line
as "symbol = ?") and in the Code panel's variables, while the symbols and the numbers it needs
stay. Qt-free: it edits the states
the views draw (scene_state.ViewState, conv_state.ConvState) and the formula's lines."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from engine.numpy_engine import ids
from engine.numpy_engine.fmt import num

HIDDEN = "?"
LOSS_AFTER = ("forward", "loss")  # a question of these phases hides the step's loss too: it is
# worked out from the forward pass (with one output and one sample, a = 1 − e^(−L) for BCE)
DRAWN_AS = {"z": "z", "a": "a", "dropout": "a", "delta": "δ"}  # a unit's label for each kind
CELL_KINDS = ("z", "a", "dropout", "pool", "da", "delta", "grad_w", "update")  # an image net's
# cells (a pooling layer's δ map shows its ∂L/∂a)


def drawn_kinds(label: str) -> tuple[str, ...]:
    """The event kinds whose number a unit shows under this label (DRAWN_AS): "a" for a and
    dropout."""
    return tuple(kind for kind, drawn in DRAWN_AS.items() if drawn == label)


def asks_for(asked, item_id, kinds: tuple[str, ...]) -> bool:
    """Whether `asked`, the event a question asks now (or None), computes this unit's or
    weight's value of one of these kinds (a hover text hides it)."""
    if asked is None or asked.kind not in kinds:
        return False
    return item_id in (*asked.nodes[:1], *asked.edges[:1])


def hide_in_view(vs, ev):
    """The dense drawing's state with `ev`'s number replaced by "?"."""
    if ev.kind in ("update", "grad_w") and ev.edges:
        eid = ev.edges[0]
        if eid in vs.edge_text:
            vs.edge_text[eid] = HIDDEN
        if ev.kind == "update" and ev.nodes and isinstance(eid, ids.BiasId):
            vs.bias_text[ev.nodes[0]] = f"b={HIDDEN}"
    elif ev.kind == "grad_b" and ev.nodes:
        vs.bias_text[ev.nodes[0]] = f"∂b={HIDDEN}"
    elif ev.kind in DRAWN_AS and ev.nodes and ev.nodes[0] in vs.node_values:
        key = vs.node_values[ev.nodes[0]].split("=", 1)[0]
        if key == DRAWN_AS[ev.kind]:  # the unit shows this event's number (not another's)
            vs.node_values[ev.nodes[0]] = f"{key}={HIDDEN}"
    return vs


def hide_in_conv(cs, ev):
    """The image drawing's state with `ev`'s cell (or filter weight) blank, as not computed."""
    if ev.kind not in CELL_KINDS:
        return cs
    if ev.kind == "pool":  # the window's winner is not tagged "★max" while it is asked
        for col in cs.columns:
            for grid in col.grids:
                if "max" in grid.marks.values():
                    grid.marks = {k: v for k, v in grid.marks.items() if v != "max"}
    if ev.kind in ("update", "grad_w"):  # the filter weight's cell only: the event's first
        # node is a δ cell its sum reads (lesson 13 blanked δ's 4.5, the sum's first term)
        targets = list(ev.edges[:1])
    else:
        targets = [cs.focus] if cs.focus else []
    for col in cs.columns:
        for grid in col.grids:
            for cid in targets:
                at = grid.at(cid)
                if at is not None:
                    grid.values = np.array(grid.values, dtype=np.float64, copy=True)
                    grid.values[at] = np.nan
    return cs


def hide_in_note(ev, note: str) -> str:
    """The formula's note while `ev` is asked: a max-pooling's (the engine marks its winner in
    the event's detail) names the winner ("the winner is a[0][0][1][0]"), which is the answer:
    it goes until the answer is given."""
    return "" if ev.kind == "pool" and "winner" in (ev.detail or {}) else note


def hide_in_lines(ev, lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The formula panel's (line, colour) with the result cut from the last numbers line and the
    value line written "symbol = ?"."""
    out = list(lines)
    if not out:
        return out
    shown = num(ev.value)
    for k in range(len(out) - 2, -1, -1):
        line, colour = out[k]
        if line.rstrip().endswith(shown):
            out[k] = (line.rstrip()[: -len(shown)].rstrip() + f" {HIDDEN}", colour)
            break
    out[-1] = (f"{ev.symbol} = {HIDDEN}", out[-1][1])
    return out


def hide_in_snippet(sn, ev):
    """The Code panel's snippet with the event's number replaced by "?": the value of its last
    variable, the one its lines compute (codegen/snippets.py), the values worked out on the way
    to it (`computed`: a batch's products δ·a, which read "[0.04254, 0]" when one sample's is
    the sum), and any other value that is the same number without being one the formula works
    with. A value written "old → new" keeps the old."""
    if sn is None or not sn.variables:
        return sn
    shown, needed = num(ev.value), _worked_with(ev)
    last = len(sn.variables) - 1
    out = []
    for k, v in enumerate(sn.variables):
        old, arrow, new = v.value.rpartition(" → ")
        if k == last or v.computed or (new == shown and not needed):
            v = replace(v, value=f"{old}{arrow}{HIDDEN}")
        out.append(v)
    return replace(sn, variables=tuple(out))


def _number(shown: str) -> re.Pattern:
    """`shown` as a whole number in a text (not part of a longer one)."""
    return re.compile(rf"(?<![\d.]){re.escape(shown)}(?![\d])")


def _worked_with(ev) -> bool:
    """Whether the event's number is also one its formula works with (max(5, 3, 1, 2) = 5): then
    it is shown as that, an input, wherever it stands."""
    return _in_formula(ev, num(ev.value))


def _in_formula(ev, shown: str, sign_aside: bool = False) -> bool:
    """Whether `shown` is a number the event's formula works with (its result left out); with
    `sign_aside`, either sign (the step's loss: the perceptron's, 0.25, was hidden in its
    description's weights "−0.25" while the question was z = 0.5·1 + (−0.25)·0 + (−0.25)). The
    asked number keeps its sign: −0.25 asked is not 0.25 worked with."""
    worked, result = ev.substituted.rstrip(), num(ev.value)
    worked = worked[: len(worked) - len(result)] if worked.endswith(result) else worked
    return _number(shown.lstrip("−-") if sign_aside else shown).search(worked) is not None


def hide_in_text(text: str, ev, loss: float | None = None) -> str:
    """`text` (a preset's description) with each number that reads as the event's number written
    "?" (the worked example's description says "E = 0.2984 before the first step"), and `loss`
    too where given (the step's loss, for a question of a phase in LOSS_AFTER); either kept
    where the formula works with that number (then it is an input there, not the answer)."""
    if not _in_formula(ev, num(ev.value)):
        text = _number(num(ev.value)).sub(HIDDEN, text)
    if loss is not None and not _in_formula(ev, num(loss), sign_aside=True):
        text = _number(num(loss)).sub(HIDDEN, text)
    return text


__all__ = [
    "HIDDEN",
    "LOSS_AFTER",
    "asks_for",
    "drawn_kinds",
    "hide_in_conv",
    "hide_in_lines",
    "hide_in_note",
    "hide_in_snippet",
    "hide_in_text",
    "hide_in_view",
]
