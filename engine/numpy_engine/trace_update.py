"""The update events of a step: each weight and bias with its optimizer's formula and state."""

from __future__ import annotations

from .fmt import num
from .ids import bias_id, edge, kernel, kernel_bias, node
from .optimizers import get_optimizer
from .trace_events import Event, StepArrays


# ---- update ----
def update_event(c: StepArrays, k: int, part: str, idx: tuple[int, ...]) -> Event:
    l, m = k + 1, c.model
    opt = get_optimizer(m.optimizer.name)
    p = 0 if part == "weights" else 1
    old, new, g = c.params[k][p], c.new_params[k][p], c.bw.grads[k][p]
    s0, s1 = c.old_state[k][p], c.new_state[k][p]
    mod = m.layer(k).type.module
    names = getattr(mod, "PARAM_SYMBOLS", ("w", "b"))  # batch norm: γ and β
    sym = names[p] + f"[{l}]" + "".join(f"[{v}]" for v in idx)
    image = m.layer(k).type.has_filters
    if hasattr(mod, "update_ids"):
        nodes, eid = mod.update_ids(m.layer(k), l, idx)
    elif image:
        eid = (kernel(l, *idx) if part == "weights" else kernel_bias(l, idx[0]),)
    else:
        eid = (edge(l, *idx) if part == "weights" else bias_id(l, idx[0]),)
    if not hasattr(mod, "update_ids"):
        nodes = () if image else (node(l, idx[0]),)
    x = {"w": float(old[idx]), "g": float(g[idx]), "new": float(new[idx])}
    for name in opt.state_names:
        x[f"{name}_old"] = float(s0[name][idx]) if name in s0 else 0.0
        x[name] = float(s1[name][idx]) if name in s1 else 0.0
    if m.is_frozen(k, part):
        return Event(
            "update",
            sym,
            f"{sym} frozen: not updated",
            f"stays {num(x['w'])} (gradient {num(x['g'])} ignored)",
            x["new"],
            nodes,
            eid,
            None,
            c.step,
            "frozen",
            x,
            kind="update",
            layer=l,
            index=idx,
        )
    change = x["new"] - x["w"]
    small = change != 0 and num(x["new"]) == num(x["w"])
    return Event(
        "update",
        sym,
        f"{opt.name}: {opt.formula}",
        opt.explain(m.optimizer, c.step, x),
        x["new"],
        nodes,
        eid,
        None,
        c.step,
        f"It changes by {num(change)}: less than the 4 digits shown." if small else "",
        x,
        kind="update",
        layer=l,
        index=idx,
    )
