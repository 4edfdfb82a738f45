"""What the drawing shows at one position of the trace, picked from the engine's records (no maths
here: every number is read from an event, the data or a recorded state). Qt-free, so it is tested
directly.

Only the units the view draws (network_layout: circles, or a strip's cells) are looked at, each
asked of the trace's layout (whether its z, a, δ, gradient and update events are reached) and read
from the step's arrays (never by writing the event), and only the
edges it draws one by one (between two circle layers), so a key press of a 2-500-500-1 network
reads about one event per drawn cell (1,000), never its 250,000 weights. Hover text is written when an item is hovered (`tooltip`),
never for the thousands of edges that are not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.numpy_engine import ids
from engine.numpy_engine.fmt import num

from .lesson_hide import HIDDEN, asks_for, drawn_kinds
from .network_layout import drawn_units, edges_drawn, is_strip

HISTORY_SHOWN = 6  # traced steps listed in an edge's tooltip


@dataclass
class ViewState:
    node_values: dict[str, str] = field(default_factory=dict)  # node id -> "a = 0.59"
    edge_values: dict[str, float] = field(default_factory=dict)  # edge id -> weight or gradient
    edge_label: str = ""  # legend: what the edges show now
    highlight_nodes: tuple[str, ...] = ()
    highlight_edges: tuple[str, ...] = ()
    sample: int = 0  # the data row the node values are for
    biases: dict[str, float] = field(default_factory=dict)  # node id -> bias (new in update)
    edge_text: dict[str, str] = field(default_factory=dict)  # edge id -> its number as written
    bias_text: dict[str, str] = field(default_factory=dict)  # node id -> "b=0.1"
    cells: dict[int, list[float | None]] = field(default_factory=dict)  # strip layer -> values
    phase: str = ""  # the current event's phase ("" while training)


def num_apart(new: float, old: float | None, lo: int = 3, hi: int = 6) -> str:
    """`new` with the fewest significant digits (lo..hi) at which it reads differently from
    `old`, so an update of 0.15 to 0.1498 is seen: "0.1498", not "0.15"."""
    if old is None or old == new:
        return num(new, lo)
    for d in range(lo, hi + 1):
        if num(new, d) != num(old, d):
            return num(new, d)
    return num(new, hi)


class _Position:
    """The current step and event, and reads of the events already reached (index ≤ current)."""

    def __init__(self, explainer):
        self.r = r = explainer.current
        self.idx = explainer.event_index
        self.ev = r.events[self.idx]
        self.lay = r.events.layout
        chosen = explainer.filter.applies_to(r) or 0  # a batch event: the chosen sample's values
        self.sample = self.ev.sample if self.ev.sample is not None else r.rows[chosen]
        self.pos = r.rows.index(self.sample)  # the sample's place in the batch

    def value(self, kind: str, l: int, sample: int | None, j: int) -> float | None:
        """The value of that event once stepping has reached it, read from the step's arrays
        (None before, or when the step has no such event)."""
        lay = self.lay
        if not lay.has(kind, l) or not lay.reached(kind, l, sample, j, self.idx):
            return None
        return self.r.events.value(kind, l, sample, j)

    def _a(self, l: int, j: int) -> float | None:
        """a of unit j of layer l for this sample once reached (after dropout once that is)."""
        v = self.value("a", l, self.pos, j)
        after = None if v is None else self.value("dropout", l, self.pos, j)
        return v if after is None else after

    def _read(self, key: str, l: int, j: int) -> float | None:
        return self._a(l, j) if key == "a" else self.value(_KIND[key], l, self.pos, j)

    def unit(self, l: int, j: int) -> dict[str, float]:
        """z, a (after dropout when reached) and δ of unit j of layer l for this sample."""
        return {key: v for key in ("z", "a", "δ") if (v := self._read(key, l, j)) is not None}

    def shown(self, l: int, j: int, keys: tuple[str, ...]) -> tuple[str, float] | None:
        """The first of `keys` (z, a, δ) already reached for unit j of layer l, and its value
        (a masked activation: its value after dropout)."""
        for key in keys:
            v = self._read(key, l, j)
            if v is not None:
                return key, v
        return None

    def _w(self, l: int, j: int, i: int) -> int:
        """The flat index of w[l][j][i]; a layer of one weight per unit (batch norm's γ): j."""
        one = self.r.before.params[l - 1][0].ndim == 1
        return j if one else j * self.lay.model.sizes[l - 1] + i

    def new_weight(self, l: int, j: int, i: int) -> float | None:
        return self.value("update_w", l, None, self._w(l, j, i))

    def new_bias(self, l: int, j: int) -> float | None:
        return self.value("update_b", l, None, j)

    def grad(self, l: int, j: int, i: int) -> float | None:
        return self.value("grad_w", l, None, self._w(l, j, i))


_KIND = {"z": "z", "δ": "delta"}  # the drawing's names of a unit's values: the events' kinds


def view_state(explainer) -> ViewState:
    p = _Position(explainer)
    ev, r, net = p.ev, p.r, explainer.net
    vs = ViewState(sample=p.sample, highlight_nodes=ev.nodes, highlight_edges=ev.edges)
    vs.phase = ev.phase
    x = net.data.inputs[p.sample]
    sizes = net.model.sizes
    _inputs(vs, x, set(ev.nodes))
    keys = ("δ", "a", "z") if ev.phase == "backward" else ("a", "z")
    hl = set(ev.nodes)  # a z event of a wide layer names 500 inputs: looked up, not scanned
    for k, (W, b) in enumerate(r.before.params):
        if is_strip(W.shape[0]):
            _cells(vs, p, k + 1, W.shape[0], keys, hl)
        else:
            _circles(vs, p, k + 1, b, keys)
        if edges_drawn(sizes, k + 1):
            _edges(vs, p, k + 1, W, ev.phase == "backward")  # W 1-D: unit j to j (batch norm)
    _legend(vs, ev.phase, p.sample, r)
    return vs


def _circles(vs: ViewState, p: _Position, l: int, b, keys: tuple[str, ...]) -> None:
    for j in drawn_units(len(b)):
        nid = ids.node(l, j)
        got = p.shown(l, j, keys)
        if got is not None:
            vs.node_values[nid] = f"{got[0]}={num(got[1], 3)}"
        new_b = p.new_bias(l, j)
        vs.biases[nid] = float(b[j]) if new_b is None else new_b
        vs.bias_text[nid] = "b=" + num_apart(vs.biases[nid], None if new_b is None else b[j])


def _cells(vs: ViewState, p: _Position, l: int, n: int, keys, hl: set[str]) -> None:
    """A strip's values (one event read a cell); written out for its highlighted units only
    (a strip's biases are in its cells' hover text)."""
    cells = vs.cells[l] = []
    for j in drawn_units(n):
        got = p.shown(l, j, keys)
        cells.append(None if got is None else got[1])
        if got is not None and hl and ids.node(l, j) in hl:
            vs.node_values[ids.node(l, j)] = f"{got[0]}={num(got[1], 3)}"


def _inputs(vs: ViewState, x, highlight: set[str]) -> None:
    if is_strip(len(x)):
        vs.cells[0] = [float(x[i]) for i in drawn_units(len(x))]
    for i in drawn_units(len(x)):
        if not is_strip(len(x)) or f"n0_{i}" in highlight:
            vs.node_values[f"n0_{i}"] = f"x={num(x[i], 3)}"


def _edges(vs: ViewState, p: _Position, l: int, W, backward: bool) -> None:
    for j in range(W.shape[0]):
        for i in range(W.shape[1]) if W.ndim == 2 else (j,):
            eid = ids.edge(l, j, i)
            if backward:
                g = p.grad(l, j, i)
                if g is not None:
                    vs.edge_values[eid] = g
                    vs.edge_text[eid] = num(g, 3)
                continue
            new_w = p.new_weight(l, j, i)
            old = float(W[j, i] if W.ndim == 2 else W[j])
            vs.edge_values[eid] = old if new_w is None else new_w
            vs.edge_text[eid] = num(old, 3) if new_w is None else num_apart(new_w, old)


def _legend(vs: ViewState, phase: str, sample: int, r) -> None:
    """Short lines: the legend is drawn at the label size, which is big in lecturer mode."""
    if phase == "backward":
        lines = ["edges: ∂L/∂w of this step", "blue +, orange −, width = size", "grey: not yet"]
    else:
        lines = ["edges: weights", "blue +, orange −, width = |w|"]
        if phase == "update":
            lines.append("updated: the new value")
    if vs.cells:
        lines.append("cells: " + ("δ, a or z" if phase == "backward" else "a or z") + " of a unit")
    lines.append(f"sample {sample} · {r.mode} · step {r.t}")
    vs.edge_label = "\n".join(lines)


def tooltip(explainer, item_id: ids.NodeId | ids.EdgeId, asked=None) -> str:
    """The hover text of one node or edge (typed ids: their parts, nothing parsed), written on
    demand; the number of `asked`, the event a question asks now, reads "?" in it."""
    if explainer.net is None or not explainer.history or not isinstance(item_id, ids.Id):
        return ""
    p = _Position(explainer)
    params = p.r.before.params
    parts = item_id.parts()
    if isinstance(item_id, ids.NodeId) and parts[0] == 0:
        x = explainer.net.data.inputs[p.sample][parts[1]]
        return f"input x{parts[1]} = {num(x)} (sample {p.sample})"
    if isinstance(item_id, ids.NodeId):
        l, j = parts
        lines = [f"neuron {j} of layer {l} (sample {p.sample})"]
        lines += [
            f"{k} = {HIDDEN if asks_for(asked, item_id, drawn_kinds(k)) else num(v)}"
            for k, v in p.unit(l, j).items()
        ]
        lines.append(f"bias b = {num(params[l - 1][1][j])} (click to edit)")
        if l == len(params):
            lines.append(f"target y = {num(explainer.net.data.targets[p.sample][j])}")
        return "\n".join(lines)
    l, j, i = parts
    W = params[l - 1][0]
    if W.ndim == 1:  # a batch norm's γ on the edge from unit j to unit j
        return f"γ[{l}][{j}] = {num(W[j])}, β[{l}][{j}] = {num(params[l - 1][1][j])}"
    lines = [f"w[{l}][{j}][{i}] = {num(W[j, i])} (click to edit)"]
    g = p.grad(l, j, i)
    if g is not None:
        lines.append(
            f"∂L/∂w this step = {HIDDEN if asks_for(asked, item_id, ('grad_w',)) else num(g)}"
        )
    hist = explainer.parameter_history(l, "weights", (j, i), HISTORY_SHOWN)
    later = asks_for(asked, item_id, ("update",))  # the values after the asked update give it
    lines.append(
        "value before each step: "
        + ", ".join(f"{t}: {HIDDEN if later and t > p.r.t else num(v, 3)}" for t, v in hist)
    )
    return "\n".join(lines)


def training_view_state(explainer) -> ViewState:
    """While training continuously: the newest weights and biases, no per-sample values."""
    state = explainer.latest_state
    vs = ViewState()
    sizes = explainer.net.model.sizes
    for k, (W, b) in enumerate(state.params):
        for j in drawn_units(W.shape[0]):
            vs.biases[ids.node(k + 1, j)] = float(b[j])
            vs.bias_text[ids.node(k + 1, j)] = f"b={num(b[j], 3)}"
        if not edges_drawn(sizes, k + 1):
            continue
        for j in range(W.shape[0]):
            for i in range(W.shape[1]) if W.ndim == 2 else (j,):
                w = W[j, i] if W.ndim == 2 else W[j]  # a batch norm's γ_j: unit j to unit j
                vs.edge_values[ids.edge(k + 1, j, i)] = float(w)
                vs.edge_text[ids.edge(k + 1, j, i)] = num(w, 3)
    vs.edge_label = (
        "training… the newest weights\nblue +, orange −, width = |w|\n"
        f"step {state.t}; T pauses, stepping resumes there"
    )
    return vs
