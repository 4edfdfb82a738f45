"""A direction question ("is this δ positive or negative?") asked of a later event of the
step (lesson 14 asks at the loss): that event's row in the Events panel and the exports wait for
the choice, and stepping to the event withdraws the question."""

from __future__ import annotations

import pytest

from engine.lessons.networks import LESSONS
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
