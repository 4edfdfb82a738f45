"""A lesson walked end to end by keys (answers typed, Enter, PageDown, Space, Alt+digit), with
right and wrong answers; the number hidden on the drawing and in the formula until answered;
lecturer mode's reveal by one key; prediction mode; progress that survives a new window."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.explainer.lesson_dock import lesson_need
from engine.lessons.grade import askable
from engine.lessons.networks import LESSONS
from engine.lessons.progress import ENV_VAR
from engine.numpy_engine.fmt import num

LESSON = LESSONS / "03_worked_example.json"


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "lessons.json"))
    return tmp_path / "lessons.json"


def _open(qtbot, lessons, path) -> None:
    """Open a lesson and wait for its first step's network (built in a worker thread)."""
    assert lessons.open_path(str(path))
    qtbot.waitUntil(lambda: lessons.preparing is None, timeout=20000)


def _go(qtbot, lessons, k: int) -> None:
    lessons.go(k)
    qtbot.waitUntil(lambda: lessons.preparing is None and lessons.k == k, timeout=20000)


def _type(qtbot, w, text: str) -> None:
    box = w.lessons.player.answer
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def _code_values(w) -> list[str]:
    """The values the Code panel's variables show, top to bottom."""
    from PySide6.QtGui import QTextCursor

    from app.explainer.code_panel import _variables_table

    table, out = _variables_table(w.code.body.document()), []
    for r in range(1, table.rows()):
        cell = table.cellAt(r, 1)  # name, value, shape
        cur = cell.firstCursorPosition()
        cur.setPosition(cell.lastCursorPosition().position(), QTextCursor.MoveMode.KeepAnchor)
        out.append(cur.selectedText())
    return out


def _code_value(w) -> str:
    """The value the Code panel shows for the event's number (its variables' last row)."""
    return _code_values(w)[-1]


def _code_hides(w, ev) -> bool:
    """The number is "?" in the last row, and no other row shows it unless the formula works
    with that number too (a coincidence, e.g. b = 0 and z = 0)."""
    if not w.docks["Code"].isVisible():
        return True
    shown, values = num(ev.value), _code_values(w)
    worked = ev.substituted.rstrip().removesuffix(shown)
    others = [v for v in values[:-1] if v.split(" → ")[-1] == shown]
    return values[-1].endswith("?") and (not others or shown in worked)


def r_loss(w) -> float:
    return w.explainer.current.loss


def _hover_hides(w, ev) -> bool:
    """The hover text of the asked unit or weight (a dense drawing) reads "?" for the number."""
    if w.explainer.net.model.images:
        return True
    line = {"z": "z = ", "a": "a = ", "dropout": "a = ", "delta": "δ = "}.get(ev.kind)
    if line and ev.nodes and ev.nodes[0].parts()[0] > 0:
        return f"{line}?" in w.view.tooltip_provider(ev.nodes[0]).split("\n")
    if ev.kind == "grad_w" and ev.edges:
        return "∂L/∂w this step = ?" in w.view.tooltip_provider(ev.edges[0]).split("\n")
    if ev.kind == "update" and ev.edges and ev.edges[0] in w.view.edges:
        t = w.explainer.current.t  # the value before step t + 1 is the answer
        return f"{t + 1}: ?" in w.view.tooltip_provider(ev.edges[0])
    return True


def _elsewhere_hides(w, ev) -> bool:
    """The formula's optimizer state, the loss curve and an image net's cell keep it too."""
    import math

    if "new" in (ev.detail or {}) and ev.phase == "update":
        new = [x for x in w.formula.detail.text().split("\n") if x.split()[:1] == ["new"]]
        if not new or not new[0].endswith("?"):
            return False
    told, whole = w.data_panel.description.text(), rf"(?<![\d.]){re.escape(num(ev.value))}(?![\d])"
    worked = ev.substituted.rstrip().removesuffix(num(ev.value))  # the numbers it works with
    if re.search(whole, told) and not re.search(whole, worked):
        return False  # the preset's description states it ("E = 0.2984 before …")
    w._redraw_plots()  # the plots are redrawn on a timer
    steps, _ = w.plots.loss_curve.getData()
    if ev.phase == "loss" and steps is not None and w.explainer.current.t in steps:
        return False  # the point of the step's loss
    drawn = ("z", "a", "dropout", "pool", "da", "delta", "grad_w", "update")  # as cells
    if w.explainer.net.model.images and ev.kind in drawn:
        st = w.conv_view.state
        # a weight's gradient or update: the weight's cell (its focus is a δ its sum reads,
        # which stays: lesson 13 blanked δ's 4.5, the sum's first term)
        asked = ev.edges[:1] if ev.kind in ("grad_w", "update") else [st.focus] * bool(st.focus)
        for col in st.columns:
            for g in col.grids:
                for cid in asked:
                    at = g.at(cid)
                    if at is not None and not math.isnan(g.values[at]):
                        return False  # the asked cell drawn with its number
                at = g.at(st.focus) if st.focus and ev.kind in ("grad_w", "update") else None
                if at is not None and math.isnan(g.values[at]):
                    return False  # a number the sum needs, blanked
    return True


def _hidden_on_screen(w) -> bool:
    ev = w.explainer.event
    if not _code_hides(w, ev) or not _elsewhere_hides(w, ev):
        return False  # the Code panel's variables, the optimizer state, a plot, a cell
    position = w.controls.position.text() + w.formula.header.text()
    if ev.phase == "loss" and f"loss {num(r_loss(w))}" in position:
        return False  # the step's loss (ℓ itself on a batch of one), in the position line
    if not _hover_hides(w, ev):
        return False
    shown = [line for line, _ in w.formula._shown]
    # the value line reads "symbol = ?" and the numbers line ends in "?", not in the result
    formula_hidden = shown[-1] == f"{ev.symbol} = ?" and shown[-2].rstrip().endswith("?")
    formula_hidden &= w.events.model.hide_from == w.explainer.event_index  # the Events panel
    item = None  # the loss, ∂L/∂a, a map (test_lesson_hide.py) or an undrawn edge: no label
    if w.explainer.net.model.images:
        pass
    elif ev.kind in ("update", "grad_w") and ev.edges:  # a batch norm's γ, β: no edge
        item = w.view.edge_text.get(ev.edges[0])
    elif ev.kind in ("z", "a", "delta"):
        item = w.view.node_text.get(ev.nodes[0])
    drawn = "?" if item is None else item.text()
    # a label too small for its type is not drawn at all (lecturer mode in a small window)
    return formula_hidden and ("?" in drawn or drawn == "") and num(ev.value, 3) not in drawn


def test_a_lesson_walked_by_keys_with_right_and_wrong_answers(window, qtbot, private_progress):
    w = window
    L, ex = w.lessons, w.explainer
    _open(qtbot, L, LESSON)
    assert L.dock.isVisible() and L.k == 0
    # step 1: z[1][0], hidden until answered
    assert ex.event.symbol == "z[1][0]" and _hidden_on_screen(w)
    assert w.view.node_text["n1_0"].text() == "z=?"
    assert "n1_0" in w.view.highlighted  # what the step says to look at: a[1][0]
    _type(qtbot, w, "abc")  # not a number: asked again, no try used
    assert "Type a number" in L.player.feedback.text() and L.pending()
    _type(qtbot, w, "0.0275")  # the bias left out: a hint names it, a second try
    assert (
        "bias b[1][0]" in L.player.feedback.text().replace("\u2060", "")
        and L.pending()
        and _hidden_on_screen(w)
    )
    _type(qtbot, w, "0.3775")
    assert L.player.feedback.text().count("Right") == 1 and not L.pending()
    assert not _hidden_on_screen(w) and w.view.node_text["n1_0"].text() == "z=0.378"
    # step 2: a[1][0]; two wrong answers reveal it
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert L.k == 1 and ex.event.symbol == "a[1][0]" and _hidden_on_screen(w)
    _type(qtbot, w, "0.3775")  # z, not σ(z): the hint names the activation
    assert "activation" in L.player.feedback.text()
    _type(qtbot, w, "0.7")
    assert "0.5933" in L.player.feedback.text() and not L.pending()
    # steps 3-7: Space on a question reveals it (counted as not answered right)
    for k, symbol in [(2, "L"), (3, "δ[2][0]"), (4, "∂L/∂w[2][0][0]"), (5, "δ[1][0]")]:
        qtbot.keyClick(w, Qt.Key.Key_PageDown)
        assert L.k == k and ex.event.symbol == symbol and _hidden_on_screen(w)
        if k == 5:  # δ[1][0] touches no edge; the step says to look at the two it comes through
            assert ex.event.edges == () and {"w2_0_0", "w2_1_0"} <= set(w.view.highlighted)
        if k == 3:
            _type(qtbot, w, repr(ex.event.value))
        else:
            qtbot.keyClick(w, Qt.Key.Key_Space)
        assert not L.pending() and num(ex.event.value) in L.player.feedback.text()
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert L.k == 6 and ex.event.symbol == "w[2][0][0]" and _hidden_on_screen(w)
    assert "w2_0_0" in w.view.highlighted
    _type(qtbot, w, "0.3178")  # η left out: 0.4 − 0.08217
    assert "learning rate" in L.player.feedback.text()
    _type(qtbot, w, "0.3589")
    assert "Right" in L.player.feedback.text()
    # step 8: a direction, chosen by Alt+2 ("down")
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert L.k == 7 and [b.text() for b in L.player.choice_buttons] == ["1. up", "2. down"]
    assert ex.event.kind == "update" and _hidden_on_screen(w)  # the update shows the way
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert L.player.feedback.text().count("Right") == 1
    assert not L.pending() and not _hidden_on_screen(w)
    qtbot.keyClick(w, Qt.Key.Key_PageDown)  # past the end
    assert "End of the lesson: 4 of 8 right" in L.player.feedback.text()
    # PageUp goes back a step
    qtbot.keyClick(w, Qt.Key.Key_PageUp)
    assert L.k == 6
    saved = json.loads(private_progress.read_text())["03_worked_example"]
    assert saved == {"step": 6, "right": 4, "asked": 8, "done": [0, 1, 2, 3, 4, 5, 6, 7]}


def test_progress_survives_a_new_window_and_can_be_reset(qtbot, tmp_path, private_progress):
    from app.explainer.window import ExplainerWindow

    first = ExplainerWindow(tmp_path / "s1", restore=False)
    qtbot.addWidget(first)
    _open(qtbot, first.lessons, LESSON)
    first.lessons.answer(repr(first.explainer.event.value))
    for _ in range(3):  # to step 2, reveal its number (skipped: not counted), to step 3
        first.lessons.page_next()
    assert first.lessons.k == 2
    first.close()
    second = ExplainerWindow(tmp_path / "s2", restore=False)
    qtbot.addWidget(second)
    _open(qtbot, second.lessons, LESSON)
    assert second.lessons.k == 2 and "1 of 1 right" in second.lessons.player.where.text()
    second.lessons.player.reset_button.click()
    assert second.lessons.k == 0 and "0 of 0 right" in second.lessons.player.where.text()
    second.close()


def test_lecturer_mode_puts_the_question_on_the_wall_and_one_key_reveals(window, qtbot):
    w = window
    L = w.lessons
    _open(qtbot, L, LESSON)
    w.set_lecturer(True)
    try:
        assert L.player.lecturer and not L.player.answer.isVisible()
        assert "Answer aloud" in L.player.aloud.text()
        assert _hidden_on_screen(w), (w.formula._shown, w.view.node_text["n1_0"].text())
        qtbot.keyClick(w, Qt.Key.Key_C)  # the code, under the formula on the wall
        assert w.docks["Code"].isVisible() and _hidden_on_screen(w)
        qtbot.keyClick(w, Qt.Key.Key_PageDown)  # the remote: reveal, nothing typed
        assert not L.pending() and "0.3775" in L.player.feedback.text()
        assert L.progress.get("03_worked_example").asked == 0  # nothing scored on the wall
        qtbot.keyClick(w, Qt.Key.Key_PageDown)  # the next step, its number hidden again
        assert L.k == 1 and _hidden_on_screen(w)
        assert L.player.where.text() == "step 2 of 8"  # no score on the wall
    finally:
        w.set_lecturer(False)
    assert not L.player.lecturer
    assert L.player.where.text() == "step 2 of 8 · 0 of 0 right"


def test_prediction_mode_asks_at_every_space(window, qtbot):
    w, ex = window, window.explainer
    L = w.lessons
    w.open_network(str(LESSONS.parent / "presets" / "mazur_2_2_2.json"))
    told = w.data_panel.description.text()
    assert "E = 0.2984" in told
    qtbot.keyClick(w, Qt.Key.Key_Q)
    assert L.free
    start = ex.event_index
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert ex.event_index > start and L.pending() and _hidden_on_screen(w)
    _type(qtbot, w, repr(ex.event.value))
    assert "Right" in L.player.feedback.text()
    asked = ex.event_index
    qtbot.keyClick(w, Qt.Key.Key_Space)  # the next number, asked in turn
    assert ex.event_index > asked and L.pending()
    assert w.docks["Code"].isVisible() and _code_value(w).endswith("?")
    qtbot.keyClick(w, Qt.Key.Key_Space)  # Space on a question reveals it
    assert not L.pending() and "1 of 2 right" in L.player.where.text()
    assert _code_value(w).split(" → ")[-1] == num(ex.event.value)  # shown once revealed
    if ex.event.kind in ("z", "a"):
        hover = w.view.tooltip_provider(ex.event.nodes[0])
        assert f"{ex.event.kind} = {num(ex.event.value)}" in hover.split("\n")
    L.player.reset_button.click()  # prediction mode's score reset
    assert "0 of 0 right" in L.player.where.text()
    while ex.event.kind != "loss":  # the loss itself asked: the position hides it too
        qtbot.keyClick(w, Qt.Key.Key_Space)
    assert L.pending() and _hidden_on_screen(w) and "loss ?" in w.controls.position.text()
    assert "E = ? before" in w.data_panel.description.text()
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.data_panel.description.text() == told  # whole again once revealed
    assert f"loss {num(ex.event.value)}" in w.controls.position.text()
    qtbot.keyClick(w, Qt.Key.Key_Q)
    assert not L.free
    here = ex.event_index
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert ex.event_index > here and not L.pending()


def test_a_race_trains_in_a_worker_and_the_construct_check(window, qtbot):
    L = window.lessons
    _open(qtbot, L, LESSONS / "05_activations.json")
    _go(qtbot, L, 3)
    L.choose("sigmoid")
    qtbot.waitUntil(lambda: L.race is None, timeout=30000)
    text = L.player.feedback.text()
    assert "Not quite: the answer is ReLU" in text and "after 150 steps" in text
    _open(qtbot, L, LESSONS / "01_perceptron.json")
    _go(qtbot, L, 3)
    asked = L.progress.get(L.lesson.name).asked
    L.check_construct()
    said = L.player.feedback.text()
    assert "Not yet: input (1, 0): the output is 1, the target is 0" in said
    assert "began with" in said and "not counted" in said  # untouched: shown, not a try
    assert L.progress.get(L.lesson.name).asked == asked
    ex = window.explainer
    ex.edit_parameter(1, "bias", (0,), 7.0)
    L.check_construct()  # changed: a try, wrong
    assert "not counted" not in L.player.feedback.text()
    assert L.progress.get(L.lesson.name).asked == asked + 1
    ex.edit_parameter(1, "weights", (0, 0), 1.0)
    ex.edit_parameter(1, "weights", (0, 1), 1.0)
    ex.edit_parameter(1, "bias", (0,), -1.5)
    L.check_construct()
    assert "every input gives its target" in L.player.feedback.text()
    rec = L.progress.get(L.lesson.name)
    assert rec.asked == asked + 1 and 3 in rec.done  # the first try counts, not the later
    _go(qtbot, L, 3)  # back at an answered step: asked again, said not to count
    assert "answered this step before" in L.player.feedback.text()
    L.check_construct()
    assert L.progress.get(L.lesson.name).asked == asked + 1


def test_a_bad_lesson_file_changes_nothing(window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "t"}')
    before = window.explainer.net
    assert not window.lessons.open_path(str(bad))
    assert "Lesson not opened" in window.last_error and window.explainer.net is before
    assert window.lessons.lesson is None


def test_a_trainer_step_opens_the_trainer_and_a_bad_step_changes_nothing(window, qtbot, tmp_path):
    from unittest.mock import MagicMock

    from app.trainer.actions import trainer_actions
    from engine.lessons.lesson import TRAINER_ACTIONS

    names = {a.name for a in trainer_actions(MagicMock())}
    assert set(TRAINER_ACTIONS) - {"open_trainer"} <= names  # lessons name real trainer actions
    L = window.lessons
    _open(qtbot, L, LESSONS / "12_trainer_lr_batch.json")
    _go(qtbot, L, 3)
    assert L.player.action_button.isVisible() and "range test" in L.player.feedback.text()
    assert L.player.action_button.text() == "Open the trainer and do it"  # short: a 1366 wall
    assert "run the learning-rate range test" in L.player.action_button.toolTip()
    assert "In the trainer: run the learning-rate range test." in L.player.feedback.text()
    with qtbot.waitSignal(window.trainer_action_requested, timeout=2000) as sig:
        L.player.action_button.click()
    assert sig.args == ["lr_find"]  # the app shows the trainer and runs its action of that name
    # a step whose event is not in its network: an error, the window as it was
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": "t", "goal": "g", "network": "xor_2_2_1", "steps": [
        {"text": "x", "go": {"kind": "loss"}, "activity": {"type": "predict"}},
        {"text": "y", "network": "mazur_2_2_2",
         "go": {"kind": "z", "layer": 1, "sample": 3, "unit": 0}}]}))  # fmt: skip
    _open(qtbot, L, bad)
    net = window.explainer.net
    L.go(1)
    qtbot.waitUntil(lambda: L.preparing is None, timeout=20000)
    assert "sample 3 is not in step 1's batch" in window.last_error and L.k == 0
    assert window.explainer.net is net  # found out before the switch


def test_an_edited_weight_withdraws_the_question(window, qtbot):
    L, ex = window.lessons, window.explainer
    _open(qtbot, L, LESSON)
    assert L.pending()
    ex.edit_parameter(1, "weights", (0, 0), 0.5)  # the step is recomputed: z[1][0] changes
    assert not L.pending() and "withdrawn" in L.player.feedback.text()
    assert window.formula._shown[-1][0] != "z[1][0] = ?"


def _names_its_preset(window, ref) -> None:
    """The preset box names the preset a lesson's step uses: itself, or "changed: <it>" for
    a reference that sets some of its fields (it said "own network: …" before)."""
    box = window.data_panel.presets
    if isinstance(ref, str) and ref != "current":
        assert box.currentIndex() > 0 and Path(box.currentData()).stem == ref, box.currentText()
    elif isinstance(ref, dict):
        assert box.currentIndex() == 0 and box.currentText().startswith("changed: ")


def _asks_the_event_shown(st, ev) -> bool:
    """A direction asked of the event the step goes to (not a frozen one: its formula says it
    stays)."""
    act = st.activity
    direction = act is not None and act.type == "direction" and st.go is not None
    return direction and st.go == act.of and askable(ev)


def test_every_step_of_every_shipped_lesson_opens_in_the_window(window, qtbot):
    """Each step's network is built, its event found and its activity set up, without an error
    (the engine's check is test_lessons_shipped.py; this is the window's side of it)."""
    L = window.lessons
    for path in sorted(LESSONS.glob("*.json")):
        _open(qtbot, L, path)
        for k in range(len(L.lesson.steps)):
            _go(qtbot, L, k)
            st = L.lesson.steps[k]
            assert window.last_error == "", (path.name, k, window.last_error)
            _names_its_preset(window, st.network)
            if st.activity is not None and st.activity.type == "predict":
                assert L.pending() and _hidden_on_screen(window), (path.name, k)
                L.reveal()
            elif _asks_the_event_shown(st, window.explainer.event):
                # a direction asked of the event on screen: its number waits for the choice
                assert L.pending() and _hidden_on_screen(window), (path.name, k)
                L.reveal()
                assert f"The answer is {st.activity.answer}." in L.player.feedback.text()
            if st.go is not None:
                assert window.explainer.event.kind == st.go.kind


@pytest.mark.parametrize(
    "preset",
    [
        "mazur_2_2_2",
        "neuron_sigmoid",
        "blobs2_adadelta",
        "cnn_conv_4x3",
        "cnn_maxpool_4x4",
        "batchnorm_relu",
    ],
)
def test_prediction_mode_hides_every_asked_number_of_a_step(window, qtbot, preset):
    """Every question of a step, on dense, one-sample, conv and batch-norm nets:
    its number is nowhere on screen until revealed (the Code panel shown)."""
    w, ex, L = window, window.explainer, window.lessons
    assert w.open_network(str(LESSONS.parent / "presets" / f"{preset}.json"))
    assert w.docks["Code"].isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Q)
    asked, phases = 0, set()
    while asked < 400:
        here = (ex.step_index, ex.event_index)
        qtbot.keyClick(w, Qt.Key.Key_Space)
        if not L.pending():
            assert (ex.step_index, ex.event_index) != here or ex.event_index == len(
                ex.current.events
            ) - 1
            if ex.event_index == len(ex.current.events) - 1:
                break
            continue
        asked += 1
        phases.add(ex.event.phase)
        assert _hidden_on_screen(w), (preset, ex.event.kind, ex.event.symbol)
        qtbot.keyClick(w, Qt.Key.Key_Space)  # reveal
        assert not L.pending()
    frozen = preset == "cnn_maxpool_4x4"  # its parameters are frozen: no update is asked
    assert phases == {"forward", "loss", "backward"} | (set() if frozen else {"update"}), phases


def test_a_question_that_wraps_is_shown_whole_in_a_short_dock(window, qtbot):
    """A long symbol's question wraps to two lines: the dock makes room for both, in both looks
    (it was squeezed to one, its end behind the answer box)."""
    w, ex, L = window, window.explainer, window.lessons
    w.resize(1500, 950)
    assert w.open_network(str(LESSONS.parent / "presets" / "cnn_maxpool_4x4.json"))
    qtbot.keyClick(w, Qt.Key.Key_Q)
    while not (L.pending() and ex.event.symbol.startswith("∂L/∂a[1]")):
        qtbot.keyClick(w, Qt.Key.Key_Space)
    q = L.player.question
    for lecturer in (False, True):
        w.set_lecturer(lecturer)
        L.player.ask(f"Predict {ex.event.symbol} for sample 0: the formula shows what it needs.")
        qtbot.wait(30)  # the layout settles
        assert q.heightForWidth(q.width()) > q.fontMetrics().height() * 1.5  # two lines
        assert q.height() >= q.heightForWidth(q.width())
    w.set_lecturer(False)


def test_space_in_the_answer_box_shows_the_number(window, qtbot, private_progress):
    """The answer box has the focus after a question: Space typed a space there and the question
    stayed "?" (the README says Space reveals). No number has a space: Space shows it."""
    w = window
    L = w.lessons
    _open(qtbot, L, LESSON)
    box = L.player.answer
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=3000)
    assert L.pending() and _hidden_on_screen(w)
    qtbot.keyClicks(box, "0.3")
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not L.pending() and not _hidden_on_screen(w) and " " not in box.text()


def test_the_lesson_menu_lists_the_course(window, qtbot, private_progress):
    """The README says a lesson opens from the Lesson menu; it held only "Open lesson file…".
    Lesson → Course lists the 14 lessons in order, and one opens its lesson."""
    from PySide6.QtGui import QAction

    from app.explainer.lesson_mode import shipped_lessons

    w = window
    course = [a for a in w.findChildren(QAction) if re.match(r"\d+\. ", a.text())]
    titles = [f"{k}. {t}" for k, (t, _) in enumerate(shipped_lessons(), 1)]
    assert len(titles) == 14 and [a.text() for a in course] == titles
    course[2].trigger()
    qtbot.waitUntil(lambda: w.lessons.lesson is not None and w.lessons.preparing is None,
                    timeout=20000)  # fmt: skip
    assert w.lessons.lesson.title == shipped_lessons()[2][0]


def test_the_lesson_list_opens_wide_enough_for_its_titles(window, qtbot):
    """The box is as wide as the dock and cut "1. The perceptron and the ste": its open list is
    as wide as the longest title, and each item's tip is its whole title."""
    box = window.lessons.player.lessons
    view = box.view()
    widest = max(view.fontMetrics().horizontalAdvance(box.itemText(k)) for k in range(box.count()))
    assert view.minimumWidth() >= widest
    assert box.itemData(1, Qt.ItemDataRole.ToolTipRole) == box.itemText(1)


def test_a_long_step_never_makes_the_window_taller_than_its_screen(window, qtbot):
    """Lesson 12's steps 4 and 5 (their text, choices and the trainer's button) made the window
    801 px tall on a 768 px laptop, the plots' axis and the log box under the screen's edge:
    the pages are as tall as the one shown, and the player scrolls in its dock, which takes
    room from its neighbours where they have some."""
    w = window
    w.resize(1366, 768)
    L = w.lessons
    _open(qtbot, L, LESSONS / "12_trainer_lr_batch.json")
    pages = L.player.pages
    for k in (3, 4):
        _go(qtbot, L, k)
        qtbot.wait(50)  # the dock's room (made once laid out)
        assert w.minimumSizeHint().height() <= 768 and w.height() <= 768, k
        shown = pages.currentWidget()
        assert pages.minimumSizeHint().height() <= max(shown.minimumSizeHint().height(), 0) + 1
    events = w.docks["Events"]
    qtbot.waitUntil(  # (the room is made once the dock is laid out: on a busy machine, later)
        lambda: (
            L.dock.height() >= lesson_need(L.dock)
            or events.height() <= events.minimumSizeHint().height() + 10
        ),  # it gave what it had
        timeout=5000,
    )


def test_a_dropout_question_names_its_unit_once_and_its_event_apart(window, qtbot):
    """Lesson 10's dropout step wrote "#0 a=?" on both sides of the unit (the dropout reads and
    writes the same unit), and the Events panel listed "a[1][0] = 0.08012" and then
    "a[1][0] = ?": the value passed on is told apart from the activation."""
    w = window
    w.resize(1366, 768)
    L = w.lessons
    _open(qtbot, L, LESSONS / "10_regularization.json")
    _go(qtbot, L, 2)
    assert w.explainer.event.kind == "dropout" and L.pending()
    assert [t.text() for t in w.view.mark_text if t.isVisible()] == ["#0 a=?"]
    ex, model = w.explainer, w.events.model
    w.docks["Events"].setVisible(True)
    w.events.show_position(ex)
    shown = model.data(model.index_of(model.groups.locate(ex.event_index, ex.event)))
    assert shown == "a[1][0] after dropout = ? · sample 105", shown


def test_a_lesson_a_tab_at_the_left_leaves_the_formula_most_of_its_column(window, qtbot):
    """At 1366 x 768 the lesson goes a tab over Setup; the formula and the Code panel split
    their column in halves, and an Adagrad update's header was scrolled half away (lesson 9)."""
    from PySide6.QtCore import Qt as _Qt

    w = window
    w.resize(1366, 768)
    w.docks["Code"].setVisible(True)
    L = w.lessons
    _open(qtbot, L, LESSONS / "09_optimizers.json")
    _go(qtbot, L, 2)
    qtbot.wait(50)
    formula, code = w.docks["Formula"], w.docks["Code"]
    assert w.dockWidgetArea(L.dock) == _Qt.DockWidgetArea.LeftDockWidgetArea
    assert code.isVisible() and not w.tabifiedDockWidgets(code)
    qtbot.waitUntil(  # (arranged once the docks are laid out: on a busy machine, later)
        lambda: formula.height() >= 0.55 * (formula.height() + code.height()), timeout=5000
    )


def test_a_lesson_opened_on_the_wall_is_shown_whole_on_black(window, qtbot):
    """Lecturer mode first, then a lesson (1366 x 768): the column was arranged before the step's
    text came, the lesson squeezed to its title and its question scrolled away, and the scroll
    area under the texts was white on the black wall."""
    from PySide6.QtCore import QRect

    w = window
    w.set_lecturer(True)
    w.lecture.fill(QRect(0, 0, 1366, 768))
    L = w.lessons
    try:
        _open(qtbot, L, LESSONS / "07_chain_rule.json")
        qtbot.waitUntil(lambda: L.dock.height() >= lesson_need(L.dock) - 24, timeout=5000)
        box = L.dock.widget()
        assert not box.viewport().autoFillBackground() and not L.player.autoFillBackground()
    finally:
        w.set_lecturer(False)


def test_a_direction_answered_says_the_numbers_that_show_it(window, qtbot):
    """The feedback of a direction read "Right." alone: it names the old and new weight."""
    L = window.lessons
    _open(qtbot, L, LESSONS / "07_chain_rule.json")
    _go(qtbot, L, 4)
    ev = L.question.event
    L.choose("down")
    said = L.player.feedback.text().replace("\u2060", "")  # (word joiners in symbols)
    old, new = num(ev.detail["w"]), num(ev.detail["new"])
    assert "Right. w[1][0][1]: " in said and f"{old} → {new}" in said, said
    assert ev.detail["new"] < ev.detail["w"]  # down, as it says


def test_back_or_reset_after_a_build_shows_the_lessons_own_network(qtbot, window):
    """A build in lesson 1's step 4 (w[1][0][1] = 0.5, b = −0.75) stayed when going Back: step
    1 showed 0.5·1 + 0.5·0 + (−0.75), not the lesson's 0.5, −0.25, −0.25 its text is about."""
    import numpy as np

    w, L = window, window.lessons
    _open(qtbot, L, LESSONS / "01_perceptron.json")
    start = [p.copy() for p in w.explainer.history[0].before.params[0]]
    _go(qtbot, L, 3)
    assert w.explainer.event_index == w.explainer.visible().at(0)  # the build's weights shown
    w.explainer.edit_parameter(1, "weights", (0, 1), 0.5)
    w.explainer.edit_parameter(1, "bias", (0,), -0.75)
    L.check_construct()
    assert L.progress.get(L.lesson.name).right >= 1
    _go(qtbot, L, 0)
    for got, want in zip(w.explainer.history[0].before.params[0], start, strict=True):
        np.testing.assert_array_equal(got, want)
    w.explainer.edit_parameter(1, "bias", (0,), -0.75)
    L.reset()
    qtbot.waitUntil(lambda: L.preparing is None and L.k == 0, timeout=20000)
    np.testing.assert_array_equal(w.explainer.history[0].before.params[0][1], start[1])


def test_the_end_of_a_lesson_says_no_score_on_the_wall(qtbot, window):
    w, L = window, window.lessons
    _open(qtbot, L, LESSONS / "02_sigmoid_neuron.json")
    w.set_lecturer(True)
    try:
        L.go(len(L.lesson.steps))
        said = L.player.feedback.text()
        assert "End of the lesson." in said and "right" not in said
    finally:
        w.set_lecturer(False)
    L.go(len(L.lesson.steps))
    assert "right" in L.player.feedback.text()
    w.set_lecturer(True)  # said before the wall: taken off it
    try:
        assert "right" not in L.player.feedback.text()
    finally:
        w.set_lecturer(False)


def test_right_and_not_quite_read_on_the_panels_grey_and_on_the_wall():
    """The feedback's green and vermilion were 3.0:1 and 3.3:1 on the panel's grey."""
    from app.explainer.lesson_player import SAID_ON_BLACK, SAID_ON_GREY
    from app.shared.theme import contrast_ratio

    for good in (True, False):
        assert contrast_ratio(SAID_ON_GREY[good], "#efefef") >= 4.5
        assert contrast_ratio(SAID_ON_BLACK[good], "#000000") >= 4.5


def test_a_longer_step_takes_its_room_from_the_code_panel_before_the_formula(qtbot, window):
    """At 1920 x 1080 lesson 14's long steps took their room from the formula first: 40 px, its
    nine products and its result scrolled out of sight. The Code panel gives first now."""
    from PySide6.QtCore import Qt

    w = window
    w.resize(1920, 1080)
    L = w.lessons
    _open(qtbot, L, LESSONS / "14_real_digit.json")
    formula, code = w.docks["Formula"], w.docks["Code"]
    if L.dock.isFloating() or w.dockWidgetArea(L.dock) != w.dockWidgetArea(formula):
        pytest.skip("the lesson is not beside the formula in this layout")
    _go(qtbot, L, 0)
    qtbot.wait(50)
    need = lesson_need(L.dock)
    w.resizeDocks([L.dock, formula, code], [need - 60, 300, 300], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: L.dock.height() < need - 30, timeout=3000)
    before = formula.height()
    assert code.height() - code.minimumSizeHint().height() > 60  # the Code panel can give it all
    L.make_room()
    qtbot.waitUntil(lambda: L.dock.height() >= need - 2, timeout=3000)
    assert abs(formula.height() - before) <= 2, (before, formula.height())


def test_after_lecturer_mode_the_lesson_fits_its_dock_again(qtbot, window):
    """After F11 and Esc at 1366 x 768 the lesson list took its longest title's width and the
    row cut Open, Check and Next off the dock's right edge, step after step."""
    w = window
    w.resize(1366, 740)
    L = w.lessons
    _open(qtbot, L, LESSONS / "01_perceptron.json")
    box = L.dock.widget()
    w.set_lecturer(True)
    qtbot.wait(100)
    w.set_lecturer(False)
    qtbot.wait(100)
    assert box.widget().minimumSizeHint().width() <= box.viewport().width()
    for b in (L.player.open_button, L.player.check_answer, L.player.next_button):
        right = b.mapTo(box.viewport(), b.rect().topRight()).x()
        assert right <= box.viewport().width(), b.text()


def test_a_symbol_is_never_broken_across_lines_in_a_lessons_text():
    from app.explainer.lesson_player import unbroken

    text = "z[1][0] = w[1][0][0]·a[0][0]; ∂L/∂a[2][0] and a / b"
    joined = unbroken(text)
    assert joined.replace("\u2060", "") == text  # nothing else changes
    assert "z[1]\u2060[0]" in joined and "∂L/\u2060∂a[2]\u2060[0]" in joined and "a / b" in joined


def test_next_before_an_answer_shows_it_and_counts_nothing(qtbot, window):
    """Next on an open question revealed the answer and counted it wrong, unsaid: three Next
    presses in lesson 1 left "0 of 2 right"."""
    L = window.lessons
    _open(qtbot, L, LESSONS / "01_perceptron.json")
    before = L.progress.get(L.lesson.name).asked
    assert L.pending()
    L.page_next()
    assert not L.pending() and "Skipped, not counted" in L.player.feedback.text()
    assert L.progress.get(L.lesson.name).asked == before
    L.page_next()
    qtbot.waitUntil(lambda: L.preparing is None and L.k == 1, timeout=20000)


def test_picking_the_lists_placeholder_keeps_naming_the_open_lesson(qtbot, window):
    L = window.lessons
    _open(qtbot, L, LESSONS / "01_perceptron.json")
    box = L.player.lessons
    shown = box.currentText()
    assert shown.startswith("1.")
    box.setCurrentIndex(0)
    box.activated.emit(0)  # "Choose a lesson…" picked
    assert box.currentText() == shown and L.lesson is not None


def test_a_step_further_on_has_the_losses_of_the_steps_trained_to_get_there(qtbot, window):
    """Lesson 9's step 2 opens the network at training step 2: its loss curve had one point,
    step 2's, and step 1's never came (a newcomer's walk)."""
    from engine.numpy_engine import Network

    L, ex = window.lessons, window.explainer
    _open(qtbot, L, LESSONS / "09_optimizers.json")
    _go(qtbot, L, 1)
    net = Network.from_file(LESSONS.parent / "presets" / "xor_momentum.json")
    first = net.step(net.initial_state())
    assert ex.current.t == 2 and ex.loss_t == [1, 2]
    assert ex.loss_v == [first.loss, net.step(first.after).loss]


@pytest.mark.parametrize(
    "step",
    [
        {"network": "missing.json", "go": {"kind": "z", "layer": 1, "sample": 0, "unit": 0}},
        {"go": {"kind": "z", "layer": 99, "sample": 0, "unit": 0}},
    ],
)
def test_a_lesson_whose_first_step_cannot_be_shown_leaves_the_open_one(qtbot, window, tmp_path,
                                                                       step):  # fmt: skip
    """It had replaced the open lesson and dropped its question; the dock still showed the old
    step's text and answer box, "Preparing this step…", and PageDown went through the bad one
    (a hostile pass). Now the open lesson stays, its question asked, and the refusal is said."""
    L = window.lessons
    _open(qtbot, L, LESSONS / "03_worked_example.json")
    _go(qtbot, L, 2)
    before = (L.lesson, L.k, L.question, L.asking, window.explainer.net)
    bad = {"title": "Bad net lesson", "goal": "g", "network": "xor_2_2_1",
           "steps": [{"text": "t", "activity": {"type": "predict"}, **step}]}  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    if L.open_path(str(path)):
        qtbot.waitUntil(lambda: L.preparing is None, timeout=20000)
    assert (L.lesson, L.k, L.question, L.asking, window.explainer.net) == before
    assert window.last_error.startswith("Lesson not opened")
    assert L.player.title.text() == "<b>The 2-2-2 worked example</b>"


def test_prediction_mode_while_a_step_is_prepared_drops_it(qtbot, window):
    """Q while lesson 9's step 2 was being built: the network was switched anyway and the step
    entered with no lesson (AttributeError in a slot). Now the build is dropped."""
    L, ex = window.lessons, window.explainer
    _open(qtbot, L, LESSONS / "09_optimizers.json")
    net = ex.net
    L.go(1)
    assert L.preparing is not None
    L.toggle_free()
    qtbot.wait(1500)  # the dropped build comes back meanwhile
    assert L.free and L.lesson is None and ex.net is net and window.last_error == ""


def test_a_lesson_on_the_current_network_is_checked_before_it_opens(qtbot, window, tmp_path):
    L = window.lessons
    _open(qtbot, L, LESSONS / "03_worked_example.json")
    _go(qtbot, L, 2)
    before = (L.lesson, L.k, L.question, L.asking, window.explainer.net)
    bad = {"title": "On the current net", "goal": "g", "network": "current",
           "steps": [{"text": "t", "go": {"kind": "z", "layer": 99, "sample": 0, "unit": 0},
                      "activity": {"type": "predict"}}]}  # fmt: skip
    path = tmp_path / "current.json"
    path.write_text(json.dumps(bad))
    assert not L.open_path(str(path))
    assert (L.lesson, L.k, L.question, L.asking, window.explainer.net) == before
    assert window.last_error.startswith("Lesson not opened: its step 1 cannot be shown")


def test_a_refused_opening_leaves_the_list_naming_the_open_lesson(qtbot, window, monkeypatch):
    from app.explainer import lesson_steps

    L = window.lessons
    _open(qtbot, L, LESSONS / "03_worked_example.json")
    shown = L.player.lessons.currentText()

    def broken(*_a, **_k):
        raise ValueError("a network that cannot be built")

    monkeypatch.setattr(lesson_steps, "prepare_step", broken)
    L.player.lessons.setCurrentIndex(L.player.lessons.findText("5.", Qt.MatchFlag.MatchStartsWith))
    assert L.open_path(str(LESSONS / "05_activations.json"))
    qtbot.waitUntil(lambda: L.preparing is None, timeout=20000)
    assert window.last_error.startswith("Lesson not opened")
    assert L.player.lessons.currentText() == shown and L.lesson.title in shown
