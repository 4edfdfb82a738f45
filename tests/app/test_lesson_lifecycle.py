"""A lesson opened, left and opened again, as the window lives with it: leaving (the menu, or
another network or session opened), a step's build or a race that comes after leaving, the
Lesson dock's room beside the formula, and the keys its buttons leave to the window."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from engine.lessons.networks import LESSONS
from engine.lessons.progress import ENV_VAR

from .test_lesson_player import LESSON, _go, _open


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "lessons.json"))
    return tmp_path / "lessons.json"


def test_space_after_a_clicked_lesson_button_is_still_the_windows(window, qtbot):
    """A clicked button kept the keyboard focus, and Space pressed it again: after "Next" the
    lesson went on a step (to its end), after a choice it went back a step."""
    from PySide6.QtWidgets import QPushButton

    w, L = window, window.lessons
    _open(qtbot, L, LESSON)
    _go(qtbot, L, 6)
    L.reveal()
    qtbot.mouseClick(L.player.next_button, Qt.MouseButton.LeftButton)  # to step 8, a direction
    qtbot.waitUntil(lambda: L.k == 7 and L.preparing is None)
    qtbot.mouseClick(L.player.choice_buttons[1], Qt.MouseButton.LeftButton)
    assert "Right" in L.player.feedback.text()
    at = w.explainer.event_index
    w.activateWindow()
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Space)
    assert L.k == 7 and w.explainer.event_index != at  # the next number, not a button
    buttons = L.player.findChildren(QPushButton)
    assert buttons and all(b.focusPolicy() == Qt.FocusPolicy.NoFocus for b in buttons)


def test_opening_another_network_leaves_the_lesson(window, qtbot, private_progress):
    """The lesson's text, question and answer box stayed over the new network (a question
    "withdrawn" and a dead answer box); now the lesson is left, its progress kept."""
    w, L = window, window.lessons
    _open(qtbot, L, LESSON)
    assert L.pending()
    assert w.open_network(str(LESSONS.parent / "presets" / "xor_2_2_1.json"))
    assert L.lesson is None and not L.pending() and L.asked_event() is None
    assert "You opened another network, so you left" in L.player.text.text()
    assert L.player.lessons.currentIndex() == 0 and "xor" in w.explainer.source
    assert json.loads(private_progress.read_text())["03_worked_example"]["step"] == 0
    _open(qtbot, L, LESSON)  # chosen again: where it was
    assert L.lesson is not None and L.k == 0 and L.pending()
    L.leave()  # Lesson → Leave the lesson: the network on screen stays
    assert L.lesson is None and "mazur" in w.explainer.source
    assert "You left the lesson" in L.player.text.text()


def test_a_step_built_after_leaving_is_not_shown(window, qtbot):
    """A step's network is built in a worker thread: when it comes after the learner opened
    another network, it does not replace that one."""
    w, L = window, window.lessons
    _open(qtbot, L, LESSON)
    _go(qtbot, L, 2)
    L.open_path(str(LESSONS / "06_losses.json"))  # builds its step in a worker
    assert L.preparing is not None
    assert w.open_network(str(LESSONS.parent / "presets" / "xor_2_2_1.json"))
    qtbot.waitUntil(lambda: L.preparing is None, timeout=20000)
    assert "xor" in w.explainer.source and L.lesson is None


@pytest.mark.parametrize("size", [(1366, 768), (1760, 1000)])
def test_a_lesson_leaves_the_formula_room_beside_it(window, qtbot, size):
    """The formula "shows what it needs": at 1366×768 it had two lines under the Code panel,
    scrolled past its header. Opening a lesson arranges the column: the Lesson dock as tall as
    its texts, the formula the larger part of the rest; on a short window the lesson goes a
    tab over the Setup dock."""
    w = window
    w.resize(*size)
    qtbot.wait(50)
    code, formula = w.docks["Code"], w.docks["Formula"]
    assert code.isVisible() and not w.tabifiedDockWidgets(code)
    _open(qtbot, w.lessons, LESSON)
    qtbot.waitUntil(lambda: formula.height() >= 150, timeout=3000)
    short = size[1] < 800  # there the lesson takes the Setup dock's place, a tab over it
    lesson = w.lessons.dock
    assert (lesson in w.tabifiedDockWidgets(w.docks["Setup"])) == short
    assert not w.tabifiedDockWidgets(code) and not code.visibleRegion().isEmpty()
    assert lesson.isVisible() and not lesson.visibleRegion().isEmpty()
    # arranged before the dock showed: beside the formula and the Code panel, the lesson's
    # least height made the 768-px window 792 tall, its status bar below the screen
    assert w.height() == size[1] and formula.height() >= 180


def test_a_race_that_comes_after_leaving_is_dropped(window, qtbot):
    """A direction judged by a race trains in a worker: left meanwhile, its result is not
    judged (it raised on the missing lesson, or scored another lesson's step)."""
    L = window.lessons
    _open(qtbot, L, LESSONS / "05_activations.json")
    _go(qtbot, L, 3)
    act = L.lesson.steps[3].activity
    assert act.race is not None
    L.choose(act.choices[0])
    worker = L.race
    assert worker is not None
    L.leave()
    qtbot.waitUntil(lambda: not worker.is_running, timeout=30000)
    qtbot.wait(50)
    assert L.lesson is None and "You left" in L.player.text.text()


def test_a_lesson_reopened_while_its_step_was_built_shows_its_step(window, qtbot):
    L = window.lessons
    L.open_path(str(LESSONS / "04_xor.json"))
    assert L.preparing is not None
    L.leave()
    _open(qtbot, L, LESSONS / "04_xor.json")  # waits for its own build
    assert L.lesson is not None and L.lesson.title in L.player.title.text()


def test_a_lesson_turns_prediction_mode_off(window, qtbot):
    """Prediction mode on, then a lesson: Space asked free numbers inside it, and a direction
    step's reveal printed its answer in front of another number."""
    L = window.lessons
    L.toggle_free()
    assert L.free
    _open(qtbot, L, LESSON)
    assert not L.free and L.pending() and L.k == 0


def test_on_a_low_wall_the_lesson_stands_above_a_whole_formula(window, qtbot):
    """A 1366x768 window puts the lesson a tab over Setup; on the wall it goes above the formula,
    and the side plot gives way: the formula had 95 px under the lesson and the loss plot, its
    header and symbols scrolled away. Leaving puts the window back as it was."""
    from PySide6.QtCore import QRect

    from app.explainer.lecturer_layout import FORMULA_WALL

    w = window
    w.resize(1366, 768)
    qtbot.wait(50)
    _open(qtbot, w.lessons, LESSON)
    lesson, formula, setup = w.lessons.dock, w.docks["Formula"], w.docks["Setup"]
    qtbot.waitUntil(lambda: lesson in w.tabifiedDockWidgets(setup), timeout=3000)
    w.lecture.set(True, QRect(0, 0, 1366, 768))
    try:
        qtbot.waitUntil(lambda: formula.height() >= FORMULA_WALL, timeout=3000)
        assert w.dockWidgetArea(lesson) == w.dockWidgetArea(formula)
        assert lesson.geometry().bottom() < formula.geometry().top()  # above it
        assert not w.docks["Plots"].isVisible()
        assert not lesson.visibleRegion().isEmpty()
        side = w.lecture.side
        w.lecture.cycle_side()  # S: no room for a plot beside the lesson; nothing cycles
        assert w.lecture.side == side and not w.docks["Plots"].isVisible()
        w.lessons.show_dock(False)  # the lesson closed on the wall: the side plot comes back
        qtbot.waitUntil(w.docks["Plots"].isVisible, timeout=3000)
        w.lessons.show_dock(True)  # and opened there again: beside the formula, not at the left
        qtbot.waitUntil(lambda: not w.docks["Plots"].isVisible(), timeout=3000)
        qtbot.waitUntil(lambda: formula.height() >= FORMULA_WALL, timeout=3000)
        assert w.dockWidgetArea(lesson) == w.dockWidgetArea(formula) and w.view.width() > 700
    finally:
        w.lecture.set(False)
    qtbot.waitUntil(lambda: lesson in w.tabifiedDockWidgets(setup), timeout=3000)
    assert w.docks["Plots"].isVisible() and w.height() == 768


def test_a_lesson_opened_on_the_wall_stands_beside_the_formula(window, qtbot):
    """A lesson a tab over Setup, its dock closed, then lecturer mode and L: it stood at the left
    edge, full height, and the drawing was 420 px wide."""
    from PySide6.QtCore import QRect

    w = window
    w.resize(1366, 768)
    qtbot.wait(50)
    _open(qtbot, w.lessons, LESSON)
    lesson, formula = w.lessons.dock, w.docks["Formula"]
    w.lessons.show_dock(False)
    w.lecture.set(True, QRect(0, 0, 1366, 768))
    try:
        w.lessons.show_dock(True)
        qtbot.waitUntil(lambda: lesson.isVisible() and not lesson.visibleRegion().isEmpty(),
                        timeout=3000)  # fmt: skip
        qtbot.wait(50)
        assert w.dockWidgetArea(lesson) == w.dockWidgetArea(formula)
        assert lesson.geometry().left() > w.view.geometry().right()
    finally:
        w.lecture.set(False)


def test_the_back_button_does_what_pgup_does(window, qtbot, private_progress):
    """Next went by PgDown's rule and Back by its own: outside a lesson Next stepped the network
    and Back did nothing. Both do what their keys do."""
    w = window
    L, ex = w.lessons, w.explainer
    _open(qtbot, L, LESSON)
    L.leave()
    L.show_dock(True)
    at = ex.event_index
    qtbot.mouseClick(L.player.next_button, Qt.MouseButton.LeftButton)
    assert ex.event_index == at + 1
    qtbot.mouseClick(L.player.back_button, Qt.MouseButton.LeftButton)
    assert ex.event_index == at


def test_the_next_button_does_what_pgdown_does(window, qtbot, private_progress):
    """ "Next (PgDown)" went to the next step while PgDown first revealed an open question: the
    button now does what its key does. Revealed, the next press goes on."""
    L = window.lessons
    _open(qtbot, L, LESSON)
    assert L.pending() and L.k == 0
    qtbot.mouseClick(L.player.next_button, Qt.MouseButton.LeftButton)
    assert not L.pending() and L.k == 0  # revealed
    qtbot.mouseClick(L.player.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: L.k == 1 and L.preparing is None, timeout=10000)
