"""A direction question ("is this δ positive or negative?") asked of a later event of the
step (lesson 14 asks at the loss): that event's row in the Events panel and the exports wait for
the choice, and stepping to the event withdraws the question."""

from __future__ import annotations

import pytest

from app.explainer import lesson_answers
from engine.lessons.check import direction_answer
from engine.lessons.networks import LESSONS, network_for
from engine.lessons.progress import ENV_VAR

from .test_lesson_player import _go, _open


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "lessons.json"))


def test_a_direction_asked_of_a_later_event_hides_its_row(window, qtbot):
    """Lesson 14 asks at the loss whether δ[4][1] of sample 11 will be positive: its row in
    the Events panel (backward · layer 4 · δ[4][1]) waits for the choice, and the exports of
    the step's numbers too."""
    w, L = window, window.lessons
    _open(qtbot, L, LESSONS / "14_real_digit.json")
    _go(qtbot, L, 3)
    st = L.lesson.steps[3]
    assert st.activity.type == "direction" and st.go != st.activity.of
    later = L.later[1]
    assert later > w.explainer.event_index and w.events.model.hide_from == later
    assert L.refuses("Not exported")
    L.choose(st.activity.answer)
    w.refresh()
    assert L.later is None and w.events.model.hide_from is None


def test_stepping_to_a_later_direction_event_withdraws_it(window, qtbot):
    """Lesson 14's δ is asked at the loss: stepping to it shows its sign, so the question is
    withdrawn (it could be read, then chosen)."""
    w, L = window, window.lessons
    _open(qtbot, L, LESSONS / "14_real_digit.json")
    _go(qtbot, L, 3)
    later = L.later
    w.explainer.goto(later[0], later[1])
    assert L.later is None and "withdrawn" in L.player.feedback.text()
    assert not any(b.isEnabled() for b in L.player.choice_buttons)


def test_a_later_direction_is_answered_from_the_step_on_screen(window, qtbot, monkeypatch):
    """The right way of lesson 14's later δ is read from the step on screen (its event in the
    lazy trace), not worked out by training the network to that step again on the GUI thread;
    it is the engine's answer all the same."""
    w, L = window, window.lessons
    _open(qtbot, L, LESSONS / "14_real_digit.json")
    _go(qtbot, L, 3)
    st = L.lesson.steps[3]
    net = network_for(st.network, L.lesson.folder, w.explainer.net)
    want = direction_answer(net, st.activity, L.lesson.folder)
    monkeypatch.setattr(lesson_answers, "direction_answer", _not_on_the_gui_thread)
    assert L._right_way(st.activity) == want


def _not_on_the_gui_thread(*_):
    raise AssertionError("the step was trained again on the GUI thread")
