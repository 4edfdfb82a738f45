"""The answer checker at its tolerances, its hints against independently computed misses, and
event addresses against a scan of the trace (an independent way to find the same event)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine.lessons.address import AddressError, look_ids, parse_address, resolve
from engine.lessons.grade import askable, hint, is_right, misses, parse_answer, question_text
from engine.numpy_engine import Network

PRESETS = Path(__file__).resolve().parents[2] / "assets" / "presets"


def _run(name: str, steps: int = 0):
    net = Network.from_file(PRESETS / f"{name}.json")
    state = net.initial_state()
    if steps:
        state, _ = net.train(state, steps)
    return net, net.step(state)


@pytest.mark.parametrize(
    ("answer", "value", "right"),
    [
        (0.1385, 0.1385, True),
        (0.1398, 0.1385, True),  # within 1% (0.94%)
        (0.1400, 0.1385, False),  # 1.08% off, and 0.140 ≠ 0.139 at 3 digits
        (0.0009, 0.0, True),  # 0.001 absolute near 0
        (0.0011, 0.0, False),
        (-0.00044, 0.0004386, True),  # 0.001 absolute: both near 0
        (1234.0, 1238.0, True),  # 0.32%
        (1250.0, 1238.0, True),  # 0.97%
        (1251.0, 1238.0, False),  # 1.05%: not within 1%; 1250 ≠ 1240 at 3 digits
        (0.7514, 0.75137, True),
        (0.751, 0.75137, True),
        (-0.0381, 0.0381, False),  # the sign
        (math.nan, 0.5, False),
        (0.5, math.inf, False),
    ],
)
def test_answer_tolerance(answer, value, right):
    assert is_right(answer, value) is right


def test_equal_at_three_digits_beyond_one_percent():
    # typed as shown at 3 significant digits: right even where that is more than 1% off
    assert is_right(0.00101, 0.001014)  # 0.4%, and equal at 3 digits
    assert is_right(2.0e-5, 2.04e-5)  # 2% off, but within 0.001 absolute
    assert is_right(123.0, 123.4)
    assert is_right(12300.0, 12340.0)
    assert not is_right(12200.0, 12340.0)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.25", 0.25), (" −0.03\n", -0.03), ("-1e-3", -0.001), (".5", 0.5), ("2,5", 2.5)],
)
def test_parse_answer_reads_numbers(text, value):
    assert parse_answer(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "nan", "inf", "1e999", "0x10", "1 2", "½", "9" * 100, None, 3]
)
def test_parse_answer_rejects_what_is_not_a_number(text):
    assert parse_answer(text) is None


def _find(ev_list, **want):
    """The events matching `want`, by scanning (independent of the Layout arithmetic)."""
    return [i for i, e in enumerate(ev_list) if all(getattr(e, k) == v for k, v in want.items())]


@pytest.mark.parametrize(
    "preset", ["mazur_2_2_2", "xor_2_2_1", "moons_regularized", "cnn_conv_4x3"]
)
def test_every_address_resolves_to_the_event_a_scan_finds(preset):
    net, r = _run(preset)
    ev = r.events
    evs = list(ev)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(evs), size=min(60, len(evs)), replace=False):
        e = evs[int(i)]
        if e.kind in ("flatten",) or e.note == "frozen" and e.kind != "update":
            continue
        obj = {"kind": e.kind}
        if e.kind != "loss":
            obj["layer"] = e.layer
        if e.sample is not None:
            obj["sample"], obj["unit"] = e.sample, list(e.index)
        elif e.kind in ("grad_w",) or (e.kind == "update" and e.symbol.startswith("w")):
            obj["weight"] = list(e.index)
        elif e.kind in ("grad_b", "update"):
            obj["bias"] = e.index[0]
        got = resolve(ev, r.rows, parse_address(obj))
        assert got == int(i), (obj, e.symbol)
        want = dict(kind=e.kind, layer=e.layer, index=e.index, sample=e.sample, symbol=e.symbol)
        assert _find(evs, **want) == [int(i)]


@pytest.mark.parametrize(
    ("obj", "words"),
    [
        ({"kind": "z", "layer": 1, "sample": 0}, "needs its unit"),
        ({"kind": "z", "layer": 9, "sample": 0, "unit": 0}, "layer 9 is not in"),
        ({"kind": "z", "layer": 1, "sample": 7, "unit": 0}, "sample 7 is not in step 1"),
        ({"kind": "z", "layer": 1, "sample": 0, "unit": 5}, "unit [5] is not in"),
        ({"kind": "grad_w", "layer": 1, "weight": [0, 9]}, "weight [0, 9] is not in"),
        ({"kind": "grad_w", "layer": 1, "bias": 0}, "exactly one of: weight"),
        ({"kind": "update", "layer": 2, "bias": 3}, "bias 3 is not in layer 2"),
        ({"kind": "delta", "phase": "forward", "layer": 1, "sample": 0, "unit": 0}, "backward"),
        ({"kind": "zz"}, "kind must be one of"),
        ({"kind": "z", "layer": True, "sample": 0, "unit": 0}, "whole number"),
        ({"kind": "z", "layer": 1.5, "sample": 0, "unit": 0}, "whole number"),
        ({"kind": "loss", "step": 0}, "step must be"),
        ({"kind": "loss", "step": 10**9}, "over the limit"),
        ({"kind": "loss", "index": 3}, "unknown key 'index'"),
        ({"kind": "dropout", "layer": 1, "sample": 0, "unit": 0}, "no dropout"),
        ([], "an event address is an object"),
    ],
)
def test_bad_addresses_are_named(obj, words):
    net, r = _run("mazur_2_2_2")
    with pytest.raises(AddressError, match=words.replace("[", r"\[").replace("]", r"\]")):
        resolve(r.events, r.rows, parse_address(obj))


def test_look_ids_read_the_course_notation():
    assert look_ids("a[2][0]") == ("n2_0",)
    assert look_ids("δ[1][1]") == ("n1_1",)
    assert look_ids("w[2][0][1]") == ("w2_0_1",)
    assert look_ids("b[1][0]") == ("b1_0", "kb1_0")
    assert look_ids("loss") == ("loss",)
    assert look_ids("a[1][0][2][3]") == ("c1_0_2_3",)
    for bad in ["a[1]", "q[1][0]", "", "w[1][0][0][0]", None]:
        with pytest.raises(AddressError):
            look_ids(bad)


def _at(r, obj):
    return resolve(r.events, r.rows, parse_address(obj))


def test_hints_name_the_missed_factor_computed_independently():
    net, r = _run("mazur_2_2_2")
    ev = r.events
    # δ[2][0] = (a − y)·σ'(z); without σ': a − y (n = 1); from the network file's numbers
    W1, b1 = np.array([[0.15, 0.2], [0.25, 0.3]]), 0.35
    x = np.array([0.05, 0.1])
    h = 1 / (1 + np.exp(-(W1 @ x + b1)))
    z2 = np.array([[0.4, 0.45], [0.5, 0.55]]) @ h + 0.6
    a2 = 1 / (1 + np.exp(-z2))
    i = _at(r, {"kind": "delta", "layer": 2, "sample": 0, "unit": 0})
    assert ev[i].value == pytest.approx((a2[0] - 0.01) * a2[0] * (1 - a2[0]))
    assert "σ′(z)" in hint(r.events, i, float(a2[0] - 0.01))
    assert "sign" in hint(r.events, i, -ev[i].value)
    assert "formula" in hint(r.events, i, 123.0) and "σ'(z[2][0])" in hint(r.events, i, 123.0)
    # the update without η: w − g
    j = _at(r, {"kind": "update", "layer": 2, "weight": [0, 0]})
    g = (a2[0] - 0.01) * a2[0] * (1 - a2[0]) * h[0]
    assert ev[j].value == pytest.approx(0.4 - 0.5 * g)
    assert "learning rate" in hint(r.events, j, float(0.4 - g))
    assert "old weight" in hint(r.events, j, float(-0.5 * g))
    # ∂L/∂w without σ' (a − y)·h, without the input: δ
    k = _at(r, {"kind": "grad_w", "layer": 2, "weight": [0, 0]})
    assert "σ′(z)" in hint(r.events, k, float((a2[0] - 0.01) * h[0]))
    assert "input a[1][0]" in hint(r.events, k, float((a2[0] - 0.01) * a2[0] * (1 - a2[0])))
    # z without the bias, a = z
    m = _at(r, {"kind": "z", "layer": 1, "sample": 0, "unit": 0})
    assert "bias b[1][0]" in hint(r.events, m, float(W1[0] @ x))
    n = _at(r, {"kind": "a", "layer": 1, "sample": 0, "unit": 0})
    assert "activation" in hint(r.events, n, float(W1[0] @ x + b1))
    # ½ left out of the loss term
    t = _at(r, {"kind": "loss_term", "sample": 0, "unit": 0})
    assert "½" in hint(r.events, t, float((a2[0] - 0.01) ** 2))
    # and out of the batch's loss: Σ_k (y − a)², 0.5967 (lesson 3's step 3 got no hint)
    L = _at(r, {"kind": "loss"})
    assert "½" in hint(r.events, L, float(((a2 - np.array([0.01, 0.99])) ** 2).sum()))


def test_hint_for_the_mean_over_a_batch():
    net, r = _run("xor_2_2_1")
    i = _at(r, {"kind": "loss"})
    terms = [
        r.events[_at(r, {"kind": "loss_term", "sample": s, "unit": 0})].value for s in range(4)
    ]
    assert r.events[i].value == pytest.approx(sum(terms) / 4)
    assert "divided by 4" in hint(r.events, i, sum(terms))
    d = _at(r, {"kind": "da", "layer": 2, "sample": 1, "unit": 0})
    assert "division by 4" in hint(r.events, d, r.events[d].value * 4)


def test_misses_never_equal_the_right_value():
    for preset in ["mazur_2_2_2", "xor_2_2_1", "blobs3_softmax", "cnn_conv_4x3", "or_adagrad"]:
        net, r = _run(preset)
        for i in range(min(len(r.events), 300)):
            for m in misses(r.events, i):
                assert m.value != r.events[i].value


def test_question_text_hides_the_value_and_keeps_the_numbers():
    net, r = _run("mazur_2_2_2")
    for i, e in enumerate(r.events):
        if not askable(e):
            assert e.note == "frozen"
            continue
        q = question_text(e)
        assert not q.rstrip().endswith("=") and e.symbol in q
        assert not q.endswith(e.substituted), (i, q)


def test_a_question_gives_a_hint_then_a_second_try_then_the_reveal():
    from engine.lessons.ask import Question

    net, r = _run("mazur_2_2_2")
    i = _at(r, {"kind": "delta", "layer": 2, "sample": 0, "unit": 0})
    q = Question(r.events, i)
    assert q.text.endswith("0.7414·0.1868 = ?")
    assert q.answer("x").state == "again" and q.tries_left == 2
    first = q.answer("0.7414")  # ∂L/∂a alone
    assert first.state == "hint" and "σ′(z)" in first.text and not q.done
    last = q.answer("0.2")
    assert last.state == "wrong" and "0.1385" in last.text and q.done and not q.right
    q2 = Question(r.events, i)
    assert q2.answer("0.1385").state == "right" and q2.right
    q3 = Question(r.events, i)
    assert q3.give_up().state == "shown" and q3.done and not q3.right


def test_hints_for_the_mean_in_a_combined_delta_and_in_a_batch_sum():
    """Lessons 6, 8 and 11 (a newcomer's tries): δ = (a − y)/N typed as a − y, and ∂L/∂b summed
    over the batch without the 1/4 each δ carries, got "Work it through the formula"."""
    for preset, norm in (("design_example", 2), ("blobs3_softmax", 90)):
        net, r = _run(preset)
        i = _at(r, {"kind": "delta", "layer": net.model.depth, "sample": 0, "unit": 0})
        a = r.events[_at(r, {"kind": "a", "layer": net.model.depth, "sample": 0, "unit": 0})].value
        y = float(net.data.targets[r.rows[0]].reshape(-1)[0])  # class 0 of a one-hot, or y
        assert r.events[i].value == pytest.approx((a - y) / norm)
        said = hint(r.events, i, float(a - y))
        assert f"division by N = {norm}" in said, said
    net, r = _run("xor_2_2_1")
    b = _at(r, {"kind": "grad_b", "layer": 2, "bias": 0})
    deltas = [r.events[_at(r, {"kind": "delta", "layer": 2, "sample": s, "unit": 0})].value
              for s in range(4)]  # fmt: skip
    assert r.events[b].value == pytest.approx(sum(deltas))
    assert "the 1/4 of the mean loss" in hint(r.events, b, 4 * sum(deltas))
    net, r = _run("moons_regularized")  # 32 a batch, and λ2·w added after the sum
    w = _at(r, {"kind": "grad_w", "layer": 3, "weight": [0, 0]})
    l2 = net.model.l2 * float(r.before.params[2][0][0, 0])
    said = hint(r.events, w, 32 * (r.events[w].value - l2) + l2)
    assert "the 1/32 of the mean loss" in said, said


def test_a_softmax_delta_hint_names_no_elementwise_derivative():
    net, r = _run("blobs3_softmax")
    i = _at(r, {"kind": "delta", "layer": 2, "sample": 0, "unit": 0})
    assert r.events[i - 1].kind == "da"
    said = hint(r.events, i, r.events[i - 1].value)
    assert "softmax′" not in said and "the softmax: δ takes every ∂L/∂a" in said


def test_update_hints_name_the_optimizers_own_step():
    """Momentum: w ← w − η·v. The hint said "you took a step of g" and "w − η·g"; the old
    velocity left out got no hint at all (lesson 9)."""
    net, r = _run("xor_momentum", steps=1)
    j = next(k for k, e in enumerate(r.events) if e.kind == "update" and e.detail["v_old"])
    d, lr = r.events[j].detail, net.model.optimizer.lr
    v = net.model.optimizer.momentum * d["v_old"] + d["g"]
    assert d["new"] == pytest.approx(d["w"] - lr * v)
    assert "a step of v" in hint(r.events, j, float(d["w"] - v))
    assert "w ← w − η·v" in hint(r.events, j, float(d["w"] + lr * v))
    assert "old velocity" in hint(r.events, j, float(d["w"] - lr * d["g"]))


def test_a_dropout_hint_names_the_scaling_of_a_kept_unit():
    net, r = _run("moons_regularized")
    k = next(i for i, e in enumerate(r.events) if e.kind == "dropout" and e.detail["mask"])
    p = net.model.drop(r.events[k].layer - 1)
    kept = r.events[k].value * (1 - p)  # a before the mask: the value a learner reads
    assert "1/(1 − p)" in hint(r.events, k, float(kept))
