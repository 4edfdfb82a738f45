"""The sample filter and the phase → layer → unit groups, against a brute-force pass over every
built event, on small presets, image nets, dropout, a shuffled mini-batch and the spiral's
27,275-event full batch."""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.event_groups import StepGroups, check_sample, sample_spans
from engine.numpy_engine.index_sets import Group, Spans, Strided
from engine.numpy_engine.trace import PHASES

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
CHECKED = (
    "mazur_2_2_2",  # 1 sample
    "circle_relu",  # shuffled mini-batches of 16: positions are not data rows
    "moons_regularized",  # dropout: a masked value after each a
    "cnn_tiny_digits",  # conv, max-pool, flatten, dense
    "cnn_maxpool_4x4",  # the input's own gradient (a pooling first layer)
    "spiral_deep",  # 200 samples, 27,275 events
    "batchnorm_relu",  # the batch's μ, σ² between the samples' forward passes; ∂L/∂σ², ∂L/∂μ
)


@cache
def step_of(name):
    net = Network.from_file(PRESETS / f"{name}.json")
    r = net.step(net.initial_state())
    return r, list(r.events)


def kept(r, events, s):
    """Brute force: the events of sample s (by its data row) and of the batch, in order."""
    return [
        i for i, e in enumerate(events) if s is None or e.sample is None or e.sample == r.rows[s]
    ]


def members(x):
    return [x.at(p) for p in range(len(x))]


@pytest.mark.parametrize("name", CHECKED)
def test_the_filter_keeps_exactly_one_sample_and_the_batch_sums(name):
    r, events = step_of(name)
    lay = r.events.layout
    for s in sorted({None, 0, lay.n // 2, lay.n - 1}, key=lambda v: -1 if v is None else v):
        spans, want = sample_spans(lay, s), kept(r, events, s)
        assert members(spans) == want
        assert [spans.position(i) for i in want] == list(range(len(want)))
        # stepping: next after each member is the next member; back the previous
        assert [spans.next_after(i) for i in want] == [*want[1:], None]
        assert [spans.last_before(i) for i in want] == [None, *want[:-1]]
    if name == "spiral_deep":
        assert len(events) == 27_275 and len(sample_spans(lay, 3)) == 133 + 675


@pytest.mark.parametrize("name", CHECKED)
def test_groups_hold_each_unit_s_events_once_in_order_and_locate_them(name):
    r, events = step_of(name)
    lay = r.events.layout
    for s in (None, lay.n - 1):
        g, seen = StepGroups(lay, s), []
        for ph, phase in enumerate(PHASES):
            for row, layer in enumerate(g.layers[phase]):
                in_layer = []
                for u in range(layer.n_units):
                    idx = members(g.unit(phase, row, u).events)
                    assert idx == sorted(idx) and idx, (phase, layer.label, u)
                    for q, i in enumerate(idx):
                        e = events[i]
                        assert e.phase == phase
                        assert g.locate(i, e) == (ph, row, u, q)
                    in_layer += idx
                assert len(in_layer) == layer.count
                seen += in_layer
        assert sorted(seen) == kept(r, events, s)


def test_a_wide_layer_has_one_row_per_neuron_with_its_events():
    r, events = step_of("spiral_deep")
    g = StepGroups(r.events.layout, 3)
    bw = g.layers["backward"]
    layer2 = next(row for row, lg in enumerate(bw) if lg.k == 1)
    assert bw[layer2].n_units == 16
    unit = g.unit("backward", layer2, 7)
    # sample 3's ∂L/∂a and δ, then ∂L/∂w of the 16 inputs and ∂L/∂b
    assert [events[i].symbol for i in members(unit.events)][:2] == ["∂L/∂a[2][7]", "δ[2][7]"]
    assert len(unit.events) == 2 + 17 and unit.label == "δ[2][7]"
    assert all(events[i].index[0] == 7 and events[i].layer == 2 for i in members(unit.events))
    assert g.unit("backward", layer2, 7) is unit  # made once
    update = g.unit("update", 1, 7)  # layer 2's: its 16 weights, then its bias
    assert update.label == "w[2][7][·], b[2][7]" and len(update.events) == 17
    assert [events[i].symbol for i in members(update.events)][-1] == "b[2][7]"


@pytest.mark.parametrize(
    "bad",
    [-1, 200, 10**30, 2.5, 3.0, "3", True, [3], float("nan")],
)
def test_hostile_samples_are_refused_in_a_sentence(bad):
    lay = step_of("spiral_deep")[0].events.layout
    with pytest.raises(ValueError, match="sample"):
        sample_spans(lay, bad)
    with pytest.raises(ValueError, match="sample"):
        StepGroups(lay, bad)


def test_whole_numbers_of_any_integer_type_are_taken():
    assert check_sample(np.int64(3), 4) == 3 and check_sample(None, 4) is None
    with pytest.raises(ValueError, match="not in this batch of 0"):
        check_sample(0, 0)


def test_index_sets_answer_by_position_and_refuse_what_they_do_not_hold():
    sp = Spans([(10, 12), (5, 7), (7, 8), (20, 20), (30, 31)])  # unsorted, touching, empty
    assert members(sp) == [5, 6, 7, 10, 11, 30] and sp.starts == [5, 10, 30]
    assert sp.first_from(0) == 5 and sp.first_from(8) == 10 and sp.first_from(31) is None
    assert sp.last_before(5) is None and sp.last_before(29) == 11 and sp.last_before(10**9) == 30
    assert sp.position(8) is None and 8 not in sp and 30 in sp
    for bad in (-1, 6, 10**12):
        with pytest.raises(IndexError):
            sp.at(bad)
    empty = Spans([])
    assert len(empty) == 0 and empty.first_from(0) is None and empty.last_before(5) is None
    st = Strided(100, 10, range(2, 4), np.array([1, 4]))
    assert members(st) == [121, 124, 131, 134]
    assert [st.position(i) for i in (121, 124, 131, 134, 122, 111, 141, 0)] == [
        0, 1, 2, 3, None, None, None, None,
    ]  # fmt: skip
    grp = Group([st, Spans([(500, 502)]), Spans([])])
    assert members(grp) == [121, 124, 131, 134, 500, 501] and grp.position(501) == 5
    assert grp.position(502) is None
    with pytest.raises(IndexError):
        grp.at(6)
