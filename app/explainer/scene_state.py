"""What the drawing shows at one position of the trace, picked from the engine's records (no maths
here: every number is read from an event, the data or a recorded state). Qt-free, so it is tested
directly."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.numpy_engine.fmt import num

HISTORY_SHOWN = 6  # traced steps listed in an edge's tooltip


@dataclass
class ViewState:
    node_values: dict[str, str] = field(default_factory=dict)  # node id -> "a = 0.59"
    edge_values: dict[str, float] = field(default_factory=dict)  # edge id -> weight or gradient
    edge_label: str = ""  # legend: what the edges show now
    highlight_nodes: tuple[str, ...] = ()
    highlight_edges: tuple[str, ...] = ()
    tooltips: dict[str, str] = field(default_factory=dict)
    sample: int = 0  # the data row the node values are for
    biases: dict[str, float] = field(default_factory=dict)  # node id -> bias (new in update)


def view_state(explainer) -> ViewState:
    r = explainer.current
    idx = explainer.event_index
    ev = r.events[idx]
    net = explainer.net
    s = ev.sample if ev.sample is not None else r.rows[0]
    vs = ViewState(sample=s, highlight_nodes=ev.nodes, highlight_edges=ev.edges)
    z, a, d, grads, new = {}, {}, {}, {}, {}
    for e in r.events[: idx + 1]:  # every event names the node or edge it computes
        kind = e.symbol[0]
        if e.phase == "forward" and e.sample == s:
            (z if kind == "z" else a)[e.nodes[0]] = e.value
        elif e.phase == "backward":
            if kind == "δ" and e.sample == s:
                d[e.nodes[0]] = e.value
            elif e.symbol.startswith("∂L/∂w"):
                grads[e.edges[0]] = e.value
        elif e.phase == "update":  # w{l}_{j}_{i} for weights, the neuron's id for its bias
            new[e.edges[0] if kind == "w" else e.nodes[0]] = e.value
    x = net.data.inputs[s]
    y = net.data.targets[s]
    L = len(net.model.sizes) - 1
    for i, v in enumerate(x):
        vs.node_values[f"n0_{i}"] = f"x={num(v, 3)}"
    for nid in set(z) | set(a) | set(d):
        if ev.phase == "backward" and nid in d:
            vs.node_values[nid] = f"δ={num(d[nid], 3)}"
        elif nid in a:
            vs.node_values[nid] = f"a={num(a[nid], 3)}"
        elif nid in z:
            vs.node_values[nid] = f"z={num(z[nid], 3)}"
    params = r.before.params
    if ev.phase == "backward":
        vs.edge_values = grads
        vs.edge_label = (
            "edges: gradients ∂L/∂w of this step (blue +, orange −, width = size)\n"
            "grey: not computed yet"
        )
    else:
        for k, (W, _) in enumerate(params):
            for j in range(W.shape[0]):
                for i in range(W.shape[1]):
                    eid = f"w{k + 1}_{j}_{i}"
                    vs.edge_values[eid] = new.get(eid, float(W[j, i]))
        vs.edge_label = "edges: weights — blue +, orange −, width = |w|" + (
            "\nupdated weights show their new value" if ev.phase == "update" else ""
        )
    vs.edge_label += f"\nsample {s} · {r.mode} · step {r.t}"
    for k, (_, b) in enumerate(params):
        for j in range(len(b)):
            nid = f"n{k + 1}_{j}"
            vs.biases[nid] = new.get(nid, float(b[j]))
    # tooltips
    for k, (W, b) in enumerate(params):
        l = k + 1
        for j in range(W.shape[0]):
            nid = f"n{l}_{j}"
            lines = [f"neuron {j} of layer {l} (sample {s})"]
            for lab, src in (("z", z), ("a", a), ("δ", d)):
                if nid in src:
                    lines.append(f"{lab} = {num(src[nid])}")
            lines.append(f"bias b = {num(b[j])} (click to edit)")
            if l == L:
                lines.append(f"target y = {num(y[j])}")
            vs.tooltips[nid] = "\n".join(lines)
            for i in range(W.shape[1]):
                eid = f"w{l}_{j}_{i}"
                hist = explainer.parameter_history(l, "weights", (j, i), HISTORY_SHOWN)
                lines = [f"w[{l}][{j}][{i}] = {num(W[j, i])} (click to edit)"]
                if eid in grads:
                    lines.append(f"∂L/∂w this step = {num(grads[eid])}")
                lines.append(
                    "value before each step: " + ", ".join(f"{t}: {num(v, 3)}" for t, v in hist)
                )
                vs.tooltips[eid] = "\n".join(lines)
    for i, v in enumerate(x):
        vs.tooltips[f"n0_{i}"] = f"input x{i} = {num(v)} (sample {s})"
    return vs


def training_view_state(explainer) -> ViewState:
    """While training continuously: the newest weights and biases, no per-sample values."""
    state = explainer.latest_state
    vs = ViewState()
    for k, (W, b) in enumerate(state.params):
        for j in range(W.shape[0]):
            vs.biases[f"n{k + 1}_{j}"] = float(b[j])
            for i in range(W.shape[1]):
                vs.edge_values[f"w{k + 1}_{j}_{i}"] = float(W[j, i])
    vs.edge_label = (
        "training… the newest weights (blue +, orange −, width = |w|)\n"
        f"step {state.t:>9}; press T to pause, stepping resumes at the next step"
    )
    return vs
