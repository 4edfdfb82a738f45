"""The trace's layout, asked its questions: index and address are each other's inverse over every
event, the address is what the built event says it is about, blocks(sample) keeps exactly one
sample's and the batch's events, and reached/n_reached agree with a brute-force count. Small
positions are also checked against the order written out by hand."""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.blocks import Block, interleave, run
from engine.numpy_engine.trace import Address

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
NETS = (
    "xor_2_2_1",  # dense, 4 samples
    "moons_regularized",  # dense with dropout: a masked value after each a
    "cnn_maxpool_4x4",  # a pooling first layer: the input's own gradient
    "cnn_tiny_digits",  # conv, max-pool, flatten, dense
)


@cache
def step_of(name):
    net = Network.from_file(PRESETS / f"{name}.json")
    return net.step(net.initial_state())


def _unit(r, ev, a: Address) -> int:
    """The flat unit the built event is about, from its own index (independent of the layout)."""
    m = r.events.arrays.model
    if a.kind in ("loss", "flatten"):
        return 0
    if a.kind in ("grad_b", "update_b"):
        return ev.index[0]
    if a.kind in ("grad_w", "update_w"):
        return int(np.ravel_multi_index(ev.index, r.events.arrays.params[a.layer - 1][0].shape))
    shape = m.layer(0).in_shape if a.layer == 0 else m.layer(a.layer - 1).out_shape
    if a.kind == "loss_term":
        shape = (m.sizes[-1],)
    return int(np.ravel_multi_index(ev.index, shape))


@pytest.mark.parametrize("name", NETS)
def test_index_and_address_round_trip_over_every_event(name):
    r = step_of(name)
    lay, events = r.events.layout, r.events
    kinds = set()
    for i in range(len(lay)):
        a = lay.address(i)
        assert lay.index(*a) == i
        ev = events[i]
        assert ev.kind == ("update" if a.kind.startswith("update") else a.kind), (i, a)
        assert ev.layer == a.layer and lay.phase(i) == ev.phase
        assert ev.sample == (None if a.sample is None else r.rows[a.sample])
        assert _unit(r, ev, a) == a.unit, (i, a, ev.index)
        if a.kind not in ("loss_term", "loss"):  # the drawing's read, without the event
            assert events.value(*a) == ev.value, (i, a)
        kinds.add(a.kind)
    assert {"z", "a", "loss_term", "loss", "da"} <= kinds
    with pytest.raises(IndexError):
        lay.address(len(lay))
    with pytest.raises(IndexError):
        lay.address(-1)


def test_positions_written_out_by_hand_for_a_2_2_1_net():
    r = step_of("xor_2_2_1")
    lay, n = r.events.layout, 4
    per = 2 + 2 + 1 + 1  # per sample: z, z, a, a of layer 1; z, a of layer 2
    assert lay.index("a", 1, 2, 1) == 2 * per + 3 and lay.index("z", 2, 3, 0) == 3 * per + 4
    loss = n * per
    assert lay.index("loss_term", 2, 1, 0) == loss + 1 and lay.index("loss", 0) == loss + n
    bw = loss + n + 1  # layer 2: per sample ∂L/∂a, δ; then ∂L/∂w0, ∂L/∂w1, ∂L/∂b
    assert lay.index("delta", 2, 3, 0) == bw + 7 and lay.index("grad_b", 2) == bw + 8 + 2
    l1 = bw + 8 + 3  # layer 1: per sample and unit ∂L/∂a, δ; then per unit w0, w1, b
    assert lay.index("da", 1, 1, 1) == l1 + 4 + 2 and lay.index("grad_w", 1, None, 3) == l1 + 16 + 4
    up = l1 + 16 + 6  # layer 1's 4 weights, its 2 biases, then layer 2's
    assert lay.index("update_b", 1, None, 1) == up + 5 and lay.index("update_w", 2) == up + 6
    assert len(lay) == up + 6 + 3
    assert list(lay.indices("grad_w", 1, None, [0, 2, 3])) == [l1 + 16, l1 + 16 + 3, l1 + 16 + 4]
    assert lay.sample_stride("a", 1) == per and lay.sample_stride("grad_w", 1) == 0
    assert lay.kinds("forward", 1) == ("z", "a") and lay.kinds("update", 2) == (
        "update_w",
        "update_b",
    )
    assert lay.phase_range("backward") == range(bw, up)


def test_questions_refuse_what_is_not_there():
    lay = step_of("cnn_tiny_digits").events.layout
    with pytest.raises(KeyError):
        lay.index("delta", 2, 0, 0)  # a max-pool has δ = ∂L/∂a: no δ events
    with pytest.raises(KeyError):
        lay.index("da", 3, 0, 0)  # a flatten has no backward events
    with pytest.raises(IndexError):
        lay.index("z", 1, 0, lay.units("z", 1))
    with pytest.raises(IndexError):
        lay.index("z", 1, lay.n, 0)
    with pytest.raises(IndexError):
        lay.index("z", 1, None, 0)  # a per-sample event needs its sample
    assert not lay.has("grad_w", 2) and lay.has("grad_w", 1) and lay.has("pool", 2)


@pytest.mark.parametrize("name", NETS)
def test_blocks_of_a_sample_are_its_events_and_the_batch(name):
    r = step_of(name)
    lay = r.events.layout
    every = lay.blocks()
    assert every[0].start == 0 and every[-1].stop == len(lay)
    assert all(a.stop == b.start for a, b in zip(every, every[1:], strict=False))
    for s in sorted({0, lay.n - 1}):
        got = [i for sp in lay.blocks(s) for i in range(sp.start, sp.stop)]
        want = [i for i in range(len(lay)) if lay.address(i).sample in (s, None)]
        assert got == want
        for sp in lay.blocks(s):
            assert {lay.address(i).kind for i in range(sp.start, sp.stop)} == set(sp.kinds)
            assert {lay.address(i).layer for i in range(sp.start, sp.stop)} == {sp.layer}


@pytest.mark.parametrize("name", ("moons_regularized", "cnn_tiny_digits"))
def test_reached_and_n_reached_agree_with_a_brute_force_count(name):
    lay = step_of(name).events.layout
    s = lay.n - 1
    for kind, layer, sample in (("a", 1, s), ("z", 1, s), ("delta", 1, s), ("grad_b", 1, None)):
        if not lay.has(kind, layer):
            continue
        idx = [lay.index(kind, layer, sample, u) for u in range(lay.units(kind, layer))]
        assert idx == sorted(idx)
        for cur in sorted({0, idx[0] - 1, idx[0], idx[1] + 1, idx[-1] - 1, idx[-1], len(lay) - 1}):
            assert lay.n_reached(kind, layer, sample, cur) == sum(i <= cur for i in idx)
            assert lay.reached(kind, layer, sample, 1, cur) == (idx[1] <= cur)


def test_block_helpers():
    assert run("z", 3) == Block((("z", 3),), 1) and run("z", 3).size == 3
    b = interleave(4, "a", "dropout")
    assert b.width == 2 and b.size == 8


def test_the_registry_s_properties_agree_with_each_module_s_declared_blocks():
    """has_weights ⇔ gradient and update blocks; has_activation ⇔ δ events; is_pool and reshapes
    ⇔ a δ block of ∂L/∂a only, or none: a property that lies would send a consumer wrong."""
    from engine.numpy_engine.layer_def import KINDS, LayerDef
    from engine.numpy_engine.layers import REGISTRY

    assert tuple(REGISTRY) == KINDS
    shapes = {"dense": ((6,), (4,)), "flatten": ((2, 3, 3), (18,)), "batchnorm": ((3,), (3,))}
    for kind, t in REGISTRY.items():
        ins, outs = shapes.get(kind, ((2, 5, 5), (3, 4, 4) if kind == "conv" else (2, 2, 2)))
        d = LayerDef(kind, ins, outs, kernel=(2, 2), stride=2 if t.is_pool else 1)
        dc = t.module.events(d, False)
        kinds = {k for b in (*dc.delta, *dc.grads) for k, _ in b.pattern}
        assert t.has_weights == bool(dc.grads) == bool(dc.updates) == (d.n_params > 0), kind
        assert t.has_activation == ("delta" in kinds), kind
        assert (t.is_pool or t.reshapes) == ("delta" not in kinds), kind
        assert t.reshapes == (not dc.delta), kind
        assert all(callable(getattr(t.module, f)) for f in ("forward", "backward", "event")), kind
        per_sample = sum(b.size for b in dc.forward)
        own = 1 if kind == "batchnorm" else 0  # x̂ before its z and a (μ, σ² are the batch's)
        assert per_sample == (1 if t.reshapes else (2 + own if t.has_activation else 1) * d.units)


def test_a_kind_declared_twice_by_a_layer_is_refused(monkeypatch):
    from engine.numpy_engine import dense
    from engine.numpy_engine.blocks import Declared

    net = Network.from_file(PRESETS / "xor_2_2_1.json")
    monkeypatch.setattr(dense, "events", lambda d, m: Declared(forward=(run("z", 2), run("z", 2))))
    with pytest.raises(ValueError, match="declares z events twice"):
        net.step(net.initial_state())


@pytest.mark.parametrize("name", ("cnn_maxpool_4x4", "cnn_tiny_digits"))
def test_a_pool_window_read_without_its_event_is_the_one_the_event_says(name):
    from engine.numpy_engine import pool

    r = step_of(name)
    lay, events = r.events.layout, r.events
    l = next(q for q in range(1, lay.model.depth + 1) if lay.has("pool", q))
    for s in range(lay.n):
        for u in range(lay.units("pool", l)):
            ev = events[lay.index("pool", l, s, u)]
            top, left, winner = pool.window_at(events.arrays, l - 1, s, *ev.index)
            assert (top, left) == (ev.detail["top"], ev.detail["left"])
            assert list(winner) == ev.detail["winner"]


def test_value_of_a_kind_of_a_module_s_own_is_asked_of_the_module_or_of_its_event(monkeypatch):
    from engine.numpy_engine import trace

    r = step_of("xor_2_2_1")
    events = r.events
    want = events[events.layout.index("z", 1, 2, 1)].value
    monkeypatch.delitem(trace._READ, "z")  # as a new kind: no array read known to the trace
    assert events.value("z", 1, 2, 1) == want  # the event written, its value read
    from engine.numpy_engine import dense

    monkeypatch.setattr(dense, "value", lambda c, kind, k, s, u: 42.0, raising=False)
    assert events.value("z", 1, 2, 1) == 42.0  # the module's own reader first
