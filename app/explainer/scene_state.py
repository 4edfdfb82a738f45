"""What the drawing shows at one position of the trace, picked from the engine's records (no maths
here: every number is read from an event, the data or a recorded state). Qt-free, so it is tested
directly.

Only the units the view draws (MAX_DRAWN per layer) are looked at, each through the trace's
layout (the index of its z, a, δ, gradient and update events), so a key press costs the same for
a 2-500-500-1 network as for a 2-2-1. Hover text is written when an item is hovered (`tooltip`),
never for the thousands of edges that are not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.numpy_engine import ids
from engine.numpy_engine.fmt import num

MAX_DRAWN = 16  # units drawn per layer; the view summarises the rest as "+N more"
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


def drawn(n: int) -> range:
    return range(min(n, MAX_DRAWN))


class _Position:
    """The current step and event, and reads of the events already reached (index ≤ current)."""

    def __init__(self, explainer):
        self.r = r = explainer.current
        self.idx = explainer.event_index
        self.ev = r.events[self.idx]
        self.lay = r.events.layout
        self.sample = self.ev.sample if self.ev.sample is not None else r.rows[0]
        self.pos = r.rows.index(self.sample)  # the sample's place in the batch

    def value(self, index: int) -> float | None:
        return self.r.events[index].value if index <= self.idx else None

    def unit(self, l: int, j: int) -> dict[str, float]:
        """z, a (after dropout when reached) and δ of unit j of layer l for this sample."""
        lay, s, out = self.lay, self.pos, {}
        for key, index in (("z", lay.z(s, l, j)), ("a", lay.a(s, l, j)), ("δ", lay.delta(l, s, j))):
            v = self.value(index)
            if v is not None:
                out[key] = v
        if lay.masked[l - 1] and "a" in out:
            v = self.value(lay.a(self.pos, l, j) + 1)
            out["a"] = out["a"] if v is None else v
        return out

    def new_weight(self, l: int, j: int, i: int) -> float | None:
        return self.value(self.lay.update_w(l, j, i))

    def new_bias(self, l: int, j: int) -> float | None:
        return self.value(self.lay.update_b(l, j))

    def grad(self, l: int, j: int, i: int) -> float | None:
        return self.value(self.lay.grad_w(l, j, i))


def view_state(explainer) -> ViewState:
    p = _Position(explainer)
    ev, r, net = p.ev, p.r, explainer.net
    vs = ViewState(sample=p.sample, highlight_nodes=ev.nodes, highlight_edges=ev.edges)
    x = net.data.inputs[p.sample]
    for i in drawn(len(x)):
        vs.node_values[f"n0_{i}"] = f"x={num(x[i], 3)}"
    backward = ev.phase == "backward"
    for k, (W, b) in enumerate(r.before.params):
        l = k + 1
        for j in drawn(W.shape[0]):
            nid = ids.node(l, j)
            u = p.unit(l, j)
            for key in ("δ", "a", "z") if backward else ("a", "z"):
                if key in u:
                    vs.node_values[nid] = f"{key}={num(u[key], 3)}"
                    break
            new_b = p.new_bias(l, j)
            vs.biases[nid] = float(b[j]) if new_b is None else new_b
            for i in drawn(W.shape[1]):
                eid = ids.edge(l, j, i)
                if backward:
                    g = p.grad(l, j, i)
                    if g is not None:
                        vs.edge_values[eid] = g
                else:
                    new_w = p.new_weight(l, j, i)
                    vs.edge_values[eid] = float(W[j, i]) if new_w is None else new_w
    if backward:
        vs.edge_label = (
            "edges: gradients ∂L/∂w of this step (blue +, orange −, width = size)\n"
            "grey: not computed yet"
        )
    else:
        vs.edge_label = "edges: weights — blue +, orange −, width = |w|" + (
            "\nupdated weights show their new value" if ev.phase == "update" else ""
        )
    vs.edge_label += f"\nsample {p.sample} · {r.mode} · step {r.t}"
    return vs


def tooltip(explainer, item_id: str) -> str:
    """The hover text of one node ("n{l}_{j}") or edge ("w{l}_{j}_{i}"), written on demand."""
    if explainer.net is None or not explainer.history:
        return ""
    p = _Position(explainer)
    params = p.r.before.params
    parts = [int(v) for v in item_id[1:].split("_")]
    if item_id.startswith("n") and parts[0] == 0:
        x = explainer.net.data.inputs[p.sample][parts[1]]
        return f"input x{parts[1]} = {num(x)} (sample {p.sample})"
    if item_id.startswith("n"):
        l, j = parts
        lines = [f"neuron {j} of layer {l} (sample {p.sample})"]
        lines += [f"{k} = {num(v)}" for k, v in p.unit(l, j).items()]
        lines.append(f"bias b = {num(params[l - 1][1][j])} (click to edit)")
        if l == len(params):
            lines.append(f"target y = {num(explainer.net.data.targets[p.sample][j])}")
        return "\n".join(lines)
    l, j, i = parts
    lines = [f"w[{l}][{j}][{i}] = {num(params[l - 1][0][j, i])} (click to edit)"]
    g = p.grad(l, j, i)
    if g is not None:
        lines.append(f"∂L/∂w this step = {num(g)}")
    hist = explainer.parameter_history(l, "weights", (j, i), HISTORY_SHOWN)
    lines.append("value before each step: " + ", ".join(f"{t}: {num(v, 3)}" for t, v in hist))
    return "\n".join(lines)


def training_view_state(explainer) -> ViewState:
    """While training continuously: the newest weights and biases, no per-sample values."""
    state = explainer.latest_state
    vs = ViewState()
    for k, (W, b) in enumerate(state.params):
        for j in drawn(W.shape[0]):
            vs.biases[ids.node(k + 1, j)] = float(b[j])
            for i in drawn(W.shape[1]):
                vs.edge_values[ids.edge(k + 1, j, i)] = float(W[j, i])
    vs.edge_label = (
        "training… the newest weights (blue +, orange −, width = |w|)\n"
        f"step {state.t:>9}; press T to pause, stepping resumes at the next step"
    )
    return vs
