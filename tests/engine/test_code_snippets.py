"""The Code panel's snippets: for every kind of event of every preset, the NumPy lines up to the
highlighted one, run on the step's arrays, give the event's number; the variables shown are the
ones the event read; the PyTorch side says what autograd does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.codegen.snippets import event_code
from engine.numpy_engine.fmt import num
from tests.engine.code_networks import networks

PRESETS = sorted((Path(__file__).resolve().parents[2] / "assets" / "presets").glob("*.json"))


def _one_of_each(r):
    """The first event of each (phase, kind, layer) of a step."""
    seen = {}
    for i in range(len(r.events)):
        e = r.events[i]
        seen.setdefault((e.phase, e.kind, e.layer, e.symbol[:1]), e)
    return list(seen.values())


def _script_windows():
    """The NumPy script's own windows(), which the conv and pooling lines call."""
    from numpy.lib.stride_tricks import sliding_window_view

    from engine.numpy_engine.codegen.numpy_layers import WINDOWS

    ns = {"np": np, "sliding_window_view": sliding_window_view}
    exec(WINDOWS, ns)  # noqa: S102 - the script's source, as the script runs it
    return ns["windows"]


def _own_layer(c, e) -> int | None:
    """The index of the layer whose own module writes this event's lines (batch norm), or None."""
    k, m = e.layer - 1, c.model
    if e.phase in ("loss", "update") or k < 0 or (e.kind == "delta"):
        return None
    if e.kind == "da":
        if k + 1 >= m.depth:
            return None
        k += 1
    return k if hasattr(m.layer(k).type.module, "SNIPPETS") else None


def _namespace(c, e) -> dict:
    """What the lines read, from the step's arrays (index k = layer k+1)."""
    k, m = e.layer - 1, c.model
    ns = {"np": np, "y": c.Y, "a": c.fw.A[-1], "t": c.step, "weights": [W for W, _ in c.params]}
    ns["windows"] = windows = _script_windows()
    kb = _own_layer(c, e)
    if kb is not None:  # a batch norm's lines read its input, γ, β and δ
        W, b = c.params[kb]
        return ns | {"a_prev": c.fw.A[kb], "W": W, "b": b, "delta": c.bw.delta[kb]}
    if e.phase == "forward":
        W, b = c.params[k]
        ns |= {"a_prev": c.fw.A[k], "W": W, "b": b, "mask": c.fw.masks[k]}
    elif e.phase == "backward" and e.kind in ("grad_w", "grad_b"):
        ns |= {"delta": c.bw.delta[k], "a_prev": c.fw.A[k], "W": c.params[k][0], "s": 0}
        d = m.layer(k)
        if d.kind == "conv":
            ns["win"] = windows(c.fw.A[k], d.kernel, d.stride, d.padding)
    elif e.phase == "backward":
        ns |= {"a": c.fw.G[k], "z": c.fw.Z[k], "mask": c.fw.masks[k], "p": m.drop(k)}
        if k + 1 < m.depth:
            kn = k + 2 if m.layer(k + 1).kind == "flatten" else k + 1
            ns |= {"delta_next": c.bw.delta[kn], "W_next": c.params[kn][0]}
    elif e.phase == "update":
        p = 1 if e.symbol.startswith(("b", "β")) else 0  # w or γ, b or β
        cfg = m.optimizer
        ns |= {"W" if p == 0 else "b": c.params[k][p], "dW" if p == 0 else "db": c.bw.grads[k][p]}
        ns |= {name: c.old_state[k][p].get(name, 0.0) for name in ("v", "G", "s", "m", "d")}
        ns |= {"lr": cfg.lr, "momentum": cfg.momentum, "beta1": cfg.beta1, "beta2": cfg.beta2,
               "rho": cfg.rho, "eps": cfg.epsilon()}  # fmt: skip
    return ns


def _runnable(c, e) -> bool:
    """Events whose lines this test runs: all but the conv and pooling layers' routing of ∂L/∂a
    back (a loop in the script, checked by the export tests), nadam's update (its μ schedule is
    the script's) and frozen parameters (no line computes them)."""
    m = c.model
    if e.phase in ("loss", "forward") or _own_layer(c, e) is not None:
        return True
    k = e.layer - 1
    if k < 0:
        return False
    if e.phase == "update":
        part = "bias" if e.symbol.startswith(("b", "β")) else "weights"
        return m.optimizer.name != "nadam" and not m.is_frozen(k, part)
    if e.kind in ("grad_w", "grad_b"):
        return True
    if m.layer(k).kind in ("maxpool", "avgpool", "flatten"):
        return False
    if k + 1 < m.depth:
        nxt = m.layer(k + 1)
        nxt = m.layer(k + 2) if nxt.kind == "flatten" else nxt
        return nxt.kind == "dense"
    return True


def _check(net: Network) -> int:
    r = net.step(net.initial_state())
    c = r.events.arrays
    ran = 0
    for e in _one_of_each(r):
        sn = event_code(e, c)
        assert 0 <= sn.current < len(sn.lines) and 0 <= sn.torch_current < len(sn.torch_lines)
        assert sn.variables and sn.title and sn.autograd
        if e.kind != "flatten":  # the value shown last is the event's number
            assert sn.variables[-1].value.split(" → ")[-1] == num(e.value), (e.symbol, sn)
        if not _runnable(c, e) or (
            e.phase == "backward" and e.kind == "da" and "..." in sn.lines[sn.current]
        ):
            continue
        ns = _namespace(c, e)
        code = "\n".join(line.partition("  # ")[0] for line in sn.lines[: sn.current + 1])
        if c.model.optimizer.name in ("momentum", "nesterov") and c.step == 1:
            ns["v"] = 0.0  # torch starts the buffer at g: μ·0 + g
        exec(code, ns)  # noqa: S102 - the snippet's own lines, on the step's arrays
        target = sn.lines[sn.current].partition(" = ")[0].strip()
        got = np.asarray(ns[target])
        where = (r.rows.index(e.sample), *e.index) if e.sample is not None else e.index
        if e.kind == "flatten":  # its number is the first value of the row it lays out
            where = (r.rows.index(e.sample), 0)
        value = got if got.ndim == 0 else got[where]
        assert float(value) == pytest.approx(e.value, rel=1e-12, abs=1e-15), (e.symbol, code)
        ran += 1
    return ran


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_every_presets_snippets_compute_its_numbers(path):
    _check(Network.from_file(path))


def test_every_activation_loss_optimizer_and_regulariser():
    from engine.numpy_engine.spec import parse_network

    ran = sum(_check(Network(parse_network(net))) for net in networks().values())
    assert ran > 60


def test_the_worked_example_backward_event():
    net = Network.from_file(PRESETS[[p.stem for p in PRESETS].index("mazur_2_2_2")])
    r = net.step(net.initial_state())
    e = next(r.events[i] for i in range(len(r.events)) if r.events[i].symbol == "δ[2][0]")
    sn = event_code(e, r.events.arrays)
    assert sn.lines[sn.current].startswith("delta = grad_a * (a * (1.0 - a))")
    assert "σ" in sn.lines[sn.current] and "δ[2]" in sn.lines[sn.current]
    assert [v.name for v in sn.variables] == [
        "grad_a[0, 0]",
        "(a * (1.0 - a))[0, 0]",
        "delta[0, 0]",
    ]
    assert sn.variables[-1].value == num(e.value) == "0.1385"
    assert sn.torch_lines[sn.torch_current].startswith("loss.backward()")
    assert "autograd" in sn.autograd.lower()


def test_the_sigmoid_line_says_its_tanh_form_is_the_same():
    """The Code panel's comment read σ(z) = 1/(1 + e^(−z)) over 0.5 * (1.0 + np.tanh(0.5 * z)),
    with nothing saying they agree: the line says so, and they do."""
    import numpy as np

    from engine.numpy_engine.codegen.snippet_lines import activation

    (line,) = activation("sigmoid", 1)
    code, _, comment = line.partition("  # ")
    assert "1/(1 + e^(−z))" in comment and "0.5·(1 + tanh(z/2)), the same" in comment
    z = np.linspace(-30, 30, 601)
    want = 1 / (1 + np.exp(-z))  # the same function (at z = −30 it differs by 1e-17 absolute)
    np.testing.assert_allclose(eval(code.removeprefix("a = ")), want, rtol=1e-12, atol=1e-15)


def test_a_mini_batch_row_is_named_as_the_data_row_it_is():
    """The variables index a sample by its row in the batch (a_prev[0]) while a lesson names its
    data row ("row 105"): the title says which is which, and the index is the batch's."""
    net = Network.from_file(PRESETS[[p.stem for p in PRESETS].index("circle_relu")])
    r = net.step(net.initial_state())
    c = r.events.arrays
    for e in (r.events[i] for i in range(len(r.events))):
        if e.sample is not None:
            at = r.rows.index(e.sample)
            sn = event_code(e, c)
            if at != e.sample:
                assert sn.title.endswith(f" · data row {e.sample} is row {at} of the batch")
            else:
                assert "data row" not in sn.title
    assert any(s != k for k, s in enumerate(r.rows))  # the case was met
    full = Network.from_file(PRESETS[[p.stem for p in PRESETS].index("mazur_2_2_2")])
    r = full.step(full.initial_state())
    e = next(r.events[i] for i in range(len(r.events)) if r.events[i].sample is not None)
    assert "data row" not in event_code(e, r.events.arrays).title


def test_an_updates_variables_name_the_learning_rate_its_line_reads():
    """`W = W - lr * dW` listed W, dW and new W: the η it multiplies by was not there."""
    net = Network.from_file(PRESETS[[p.stem for p in PRESETS].index("mazur_2_2_2")])
    r = net.step(net.initial_state())
    e = next(r.events[i] for i in range(len(r.events)) if r.events[i].kind == "update")
    sn = event_code(e, r.events.arrays)
    assert "lr" in sn.lines[sn.current]
    lr = {v.name: v for v in sn.variables}["lr"]
    assert lr.value == num(net.spec.optimizer.lr) == "0.5" and lr.shape == "()"
    w, g = (float(v.value) for v in sn.variables[:2])
    assert abs(w - net.spec.optimizer.lr * g - float(sn.variables[-1].value)) < 1e-4


def test_the_gradient_of_an_activation_lists_what_its_line_reads():
    """`grad_a = (a - y) / len(a)` listed only grad_a; `grad_a = delta_next @ W_next` too."""
    import numpy as np

    net = Network.from_file(PRESETS[[p.stem for p in PRESETS].index("mazur_2_2_2")])
    r = net.step(net.initial_state())
    das = {
        r.events[i].symbol: r.events[i] for i in range(len(r.events)) if r.events[i].kind == "da"
    }
    out = event_code(das["∂L/∂a[2][0]"], r.events.arrays)
    v = {x.name: x.value for x in out.variables}
    assert list(v) == ["a[0, 0]", "y[0, 0]", "grad_a[0, 0]"]
    assert abs((float(v["a[0, 0]"]) - float(v["y[0, 0]"])) / 1 - float(v["grad_a[0, 0]"])) < 1e-4
    hid = event_code(das["∂L/∂a[1][1]"], r.events.arrays)
    v = {x.name: x.value for x in hid.variables}
    assert list(v) == ["delta_next[0, :]", "W_next[:, 1]", "grad_a[0, 1]"]
    vec = [np.array([float(t.replace("−", "-")) for t in v[k].strip("[]").split(", ")])
           for k in ("delta_next[0, :]", "W_next[:, 1]")]  # fmt: skip
    assert abs(vec[0] @ vec[1] - float(v["grad_a[0, 1]"])) < 1e-4  # Σ_j w[2][j][1]·δ[2][j]
