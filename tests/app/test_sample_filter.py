"""Stepping through one sample of the batch: next, back, home, end and the jumps visit exactly that
sample's events and the batch's, in order (checked against a brute-force pass over the events),
across training steps; the choice resets when a smaller batch loads; hostile choices change
nothing."""

import pytest

from app.explainer import jumps
from app.explainer.data_panel import PRESET_DIR
from app.explainer.explainer import Explainer

SPIRAL = PRESET_DIR / "spiral_deep.json"  # 200 samples, 27,275 events a step


@pytest.fixture
def ex(qtbot):
    e = Explainer()
    errors = []
    e.error.connect(errors.append)
    e.errors = errors
    assert e.load_file(SPIRAL)
    return e


def kept(ex, s, step_index=None):
    """Brute force: every event of the step, filtered by its data row."""
    r = ex.history[ex.step_index if step_index is None else step_index]
    return [i for i, e in enumerate(r.events) if e.sample is None or e.sample == r.rows[s]]


def test_next_and_back_visit_exactly_the_sample_then_the_batch_sums(ex):
    assert ex.set_sample(3)
    want = kept(ex, 3)
    assert len(want) == 808 and len(ex.current.events) == 27_275
    ex.home()
    seen = [ex.event_index]
    while True:
        ex.next()
        if ex.step_index != 0:
            break
        seen.append(ex.event_index)
    assert seen == want
    # the last press trained the next step: its first event of sample 3, the filter kept
    assert ex.step_index == 1 and ex.sample == 3 and ex.event_index == kept(ex, 3)[0] == 3 * 66
    ex.back()  # back over the step boundary: the previous step's last kept event
    assert (ex.step_index, ex.event_index) == (0, want[-1])
    back = [ex.event_index]
    for _ in range(len(want) - 1):
        ex.back()
        back.append(ex.event_index)
    assert back == want[::-1]
    ex.back()  # at the very start nothing moves
    assert (ex.step_index, ex.event_index) == (0, want[0])


def test_home_end_and_phase_jumps_land_on_kept_events(ex):
    ex.set_sample(199)
    want = kept(ex, 199)
    ex.end()
    assert ex.event_index == want[-1]
    ex.home()
    assert ex.event_index == want[0] == 199 * 66
    r = ex.current
    for phase in ("forward", "loss", "backward", "update"):
        ex.jump_phase(phase)
        assert ex.event_index == min(i for i in want if i >= r.events.phase_start(phase))
        assert r.events[ex.event_index].phase == phase
        assert r.events[ex.event_index].sample in (None, 199)


def test_part_jumps_and_the_largest_stay_in_the_sample(ex):
    ex.set_sample(5)
    want = set(kept(ex, 5))
    ex.home()
    visited = [ex.event_index]
    for _ in range(40):
        jumps.next_part(ex)
        visited.append(ex.event_index)
        jumps.to_largest(ex)
        assert ex.event_index in want
        jumps.next_part(ex)  # from the largest on to the next part
        jumps.previous_part(ex)
    assert set(visited) <= want
    assert visited == sorted(visited) and visited[-1] >= ex.current.events.phase_start("update")
    ex.end()
    back = [ex.event_index]
    while ex.event_index != min(want):
        jumps.previous_part(ex)
        assert ex.event_index < back[-1], "stuck: a part start outside the sample"
        back.append(ex.event_index)
    assert back[1:] == jumps.part_starts(ex.current.events.layout, 5)[::-1]
    assert set(back) <= want


def test_a_goto_outside_the_filter_lands_on_the_next_kept_event(ex):
    ex.set_sample(3)
    ex.goto(0, 10)  # sample 0's forward
    assert ex.event_index == 3 * 66
    ex.goto(0, 10**9)
    assert ex.event_index == len(ex.current.events) - 1  # the last update: a batch event


def test_choosing_a_sample_moves_onto_its_events_and_all_lets_every_event_back(ex):
    ex.goto(0, 1000)  # sample 15's forward
    ex.set_sample(20)
    assert ex.event_index == 20 * 66
    assert ex.position_text() == "event 1 of 808 (sample 20) · 27,275 in the step"
    ex.set_sample(None)
    ex.next()
    assert ex.event_index == 20 * 66 + 1
    assert ex.position_text() == "event 1,322 / 27,275"


def test_the_choice_survives_a_training_step_and_resets_when_the_batch_shrinks(ex, qtbot):
    ex.set_sample(150)
    ex.next_training_step()
    assert ex.sample == 150 and ex.event_index == 150 * 66
    with qtbot.waitSignal(ex.sample_changed, timeout=1000) as sig:
        assert ex.load_file(PRESET_DIR / "circle_relu.json")  # mini-batches of 16
    assert sig.args == [None] and ex.sample is None and ex.event_index == 0
    ex.set_sample(3)
    assert ex.load_file(PRESET_DIR / "transfer_frozen.json")  # a bigger batch: it stays
    assert ex.sample == 3 and ex.event_index == kept(ex, 3)[0]


def test_a_shuffled_mini_batch_says_which_data_row_the_sample_is(ex):
    assert ex.load_file(PRESET_DIR / "circle_relu.json")
    ex.set_sample(2)
    row = ex.current.rows[2]
    assert row != 2
    assert f"(sample {row}, #2 of the batch)" in ex.position_text()
    assert ex.event.sample == row


def test_a_short_last_mini_batch_shows_every_event_and_the_next_batch_the_sample_again(ex):
    assert ex.load_file(PRESET_DIR / "circle_relu.json")  # 200 rows in batches of 16: 13th has 8
    ex.set_sample(12)
    for _ in range(12):
        ex.next_training_step()
    assert len(ex.current.rows) == 8 and ex.sample == 12
    assert (
        ex.position_text()
        == f"event 1 / {len(ex.current.events):,} (#12 is not in this batch of 8: all shown)"
    )
    ex.next()
    assert ex.event_index == 1  # every event
    ex.next_training_step()
    assert len(ex.current.rows) == 16 and ex.event_index == kept(ex, 12)[0] > 0


@pytest.mark.parametrize("bad", [-1, 200, 10**40, 2.5, "3", True, [1], float("inf")])
def test_hostile_samples_are_refused_and_change_nothing(ex, bad):
    ex.set_sample(7)
    ex.next()
    before = (ex.sample, ex.step_index, ex.event_index)
    assert not ex.set_sample(bad)
    assert (ex.sample, ex.step_index, ex.event_index) == before
    assert ex.errors and ex.errors[-1].startswith("Sample not chosen: ")
    assert "sample" in ex.errors[-1]


def test_a_sample_with_no_network_is_refused_quietly(qtbot):
    e = Explainer()
    assert not e.set_sample(0) and e.sample is None


def test_a_batch_event_draws_the_chosen_samples_values(qtbot, window):
    """On a batch total (the loss, a summed gradient, an update) the drawing keeps showing the
    chosen sample's neurons, not the batch's first."""
    from app.explainer.scene_state import view_state

    w = window
    assert w.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    ex = w.explainer
    ex.set_sample(2)
    ex.jump_phase("update")
    assert ex.event.sample is None
    assert view_state(ex).sample == ex.current.rows[2]


def test_parts_of_a_sample_of_an_image_net_are_its_own_events():
    """A flatten has no backward events: its empty block once put the start of the pool's δ block
    of sample 0 among the parts of every sample (a jump to an event the filter hides)."""
    from engine.numpy_engine import Network
    from engine.numpy_engine.event_groups import sample_spans

    net = Network.from_file(PRESET_DIR / "cnn_tiny_digits.json")
    lay = net.step(net.initial_state()).events.layout
    for s in (0, lay.n - 1):
        starts, kept_ = jumps.part_starts(lay, s), sample_spans(lay, s)
        assert starts and all(i in kept_ for i in starts), s
        assert starts == sorted({sp.start for sp in lay.blocks(s)})
