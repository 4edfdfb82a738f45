"""The formula panel typesets the engine's LaTeX (ziamath, in the background, ahead of the cursor)
and shows the plain notation only until a line is ready; exported frames carry the same lines."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.explainer.ahead import next_positions
from app.explainer.data_panel import PRESET_DIR
from app.explainer.export_actions import FRAME_PX, _drawing, frame
from app.shared.typeset import raster, typesetter
from app.shared.typeset_child import svg_of
from engine.numpy_engine.formula_lines import typeset_len
from engine.numpy_engine.handout import event_tex
from engine.numpy_engine.latex import to_latex

ROOT = Path(__file__).resolve().parents[2]
MAZUR = str(PRESET_DIR / "mazur_2_2_2.json")
CIRCLE = str(PRESET_DIR / "circle_relu.json")


def all_typeset(w):
    return w.formula.typeset_lines() == len(w.formula._shown)


def test_every_line_of_the_event_is_typeset_then_shown_as_an_image(qtbot, window):
    w = window
    assert w.open_network(MAZUR)
    qtbot.waitUntil(lambda: all_typeset(w), timeout=10_000)
    ev = w.explainer.event
    t = event_tex(ev, w.formula._chars, typeset_len)  # broken to the panel's width
    assert [to_latex(line) for line, _ in w.formula._shown] == [*t.formula, *t.numbers, t.value]
    lab = w.formula.line_labels[0]
    assert lab.pixmap().height() >= w.formula.px  # a line is at least its (fitted) type size
    assert "0.3775" in w.formula.plain_text()


def test_the_events_ahead_of_the_cursor_are_typeset_before_the_learner_gets_there(qtbot, window):
    w = window
    assert w.open_network(MAZUR)
    ts = typesetter()
    idle = w.formula._ahead_timer  # the events ahead are asked for once the keys pause

    step = w.formula._ahead_step  # then taken one event a turn of the event loop
    qtbot.waitUntil(
        lambda: (
            not idle.isActive() and not step.isActive() and ts.pending() == 0 and all_typeset(w)
        ),
        timeout=20_000,
    )
    ex = w.explainer
    ahead = next_positions(ex)
    assert len(ahead) >= 3  # Space, ], the phase keys ...
    for k in ahead:  # each at the size it will be shown at
        ev = ex.current.events[k]
        px, chars = w.formula._fit(ev)
        for line, colour in w.formula.lines(ev, chars):
            assert ts.image(line, px, colour) is not None, (k, line)
    ex.next()
    assert all_typeset(w)  # shown at once from the cache
    ex.jump_phase("update")
    assert all_typeset(w)


def test_a_long_formula_ahead_is_typeset_at_the_smaller_size_it_is_shown_at(qtbot, window):
    w = window
    assert w.open_network(MAZUR)
    w.resize(1400, 1300)
    qtbot.wait(50)  # the first layout (a 0 ms timer) first
    w.resizeDocks(  # a formula panel where the longest formulas are fitted smaller
        [w.docks["Formula"], w.docks["Code"]], [330, 770], Qt.Orientation.Vertical
    )
    qtbot.wait(50)
    qtbot.waitUntil(lambda: not w.formula._ahead_timer.isActive(), timeout=5_000)
    ex, fp = w.explainer, w.formula
    sizes = {k: fp._fit(ex.current.events[k])[0] for k in range(len(ex.current.events))}
    small = [k for k, px in sizes.items() if k and px < sizes[k - 1]]
    assert small, "no formula here is fitted smaller than the one before it"
    k = small[0]
    ex.goto(ex.step_index, k - 1)  # Space goes to k, shown smaller than this one
    ts = typesetter()
    qtbot.waitUntil(
        lambda: (
            not fp._ahead_timer.isActive() and not fp._ahead_step.isActive() and ts.pending() == 0
        ),
        timeout=20_000,
    )
    ev = ex.current.events[k]
    px, chars = fp._fit(ev)
    assert px == sizes[k] < fp.px
    qtbot.waitUntil(  # typeset ahead at that size (a loaded machine may take a moment more)
        lambda: all(ts.image(line, px, c) is not None for line, c in fp.lines(ev, chars)),
        timeout=10_000,
    )
    ex.goto(ex.step_index, k)
    assert all_typeset(w) and fp.px == px  # shown at once, at its own size


def test_adam_update_is_typeset_with_hats_and_distinct_values(qtbot, window):
    w = window
    assert w.open_network(CIRCLE)
    ex = w.explainer
    ex.jump_phase("update")
    qtbot.waitUntil(lambda: all_typeset(w), timeout=20_000)
    lines = [to_latex(line) for line, _ in w.formula._shown]
    assert any(r"\hat{m} = \frac{m}{1-\beta_{1}^{t}}" in s for s in lines)
    assert any(r"\hat{m} = " in s and r"\hat{v} = " in s for s in lines)


def test_a_line_the_typesetter_cannot_set_stays_readable_text(qtbot):
    ts = typesetter()
    key = (None, 20, "#000000")  # not a line: the translation raises in the typesetting process
    ts.want([key])
    qtbot.waitUntil(lambda: (*key, 1.0) in ts.failed, timeout=10_000)
    assert ts.image(*key) is None


def test_render_draws_ink_in_the_colour_asked_for():
    img = raster(svg_of(r"\frac{\partial L}{\partial w^{(2)}_{01}}", 40, "#d62728"))
    assert img.height() > 60  # a stacked fraction is two lines tall
    colours = {
        QColor(img.pixel(x, y)).name()
        for x in range(0, img.width(), 2)
        for y in range(0, img.height(), 2)
        if QColor.fromRgba(img.pixel(x, y)).alpha() == 255
    }
    assert "#d62728" in colours


def test_an_exported_frame_carries_the_typeset_formula(qtbot, window):
    w = window
    assert w.open_network(MAZUR)
    w.explainer.jump_phase("backward")
    img = frame(w, 1400)
    drawing = _drawing(w, 1400).height()
    ts, lines = typesetter(), w.formula.lines(w.explainer.event)
    typeset = sum(ts.now(line, FRAME_PX, colour).height() for line, colour in lines)
    assert img.height() >= drawing + typeset


KILLED_WINDOW = """
import os, signal, sys, time
from PySide6.QtWidgets import QApplication
from app.shared.typeset import typesetter, typesetter_pids
if __name__ == "__main__":
    app = QApplication([])
    ts = typesetter()
    ts.want([("x^2", 20, "#000000")])
    end = time.time() + 60
    while not typesetter_pids() and time.time() < end:
        app.processEvents()
        time.sleep(0.05)
    print(*typesetter_pids(), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].startswith("Z")  # a zombie has ended
    except (FileNotFoundError, ProcessLookupError):  # gone before or while it was read
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_typesetting_process_leaves_with_a_killed_window(tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WINDOW)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                       timeout=120)  # fmt: skip
    pids = [int(p) for p in r.stdout.split()]
    assert r.returncode == -9 and len(pids) == 1, r.stderr[-2000:]
    end = time.time() + 20
    while not _gone(pids[0]) and time.time() < end:
        time.sleep(0.1)
    assert _gone(pids[0])


def test_a_typesetting_process_that_died_is_started_again(qtbot):
    import signal

    from app.shared.typeset import typesetter_pids

    ts = typesetter()
    ts.want([("a = 1", 20, "#000000")])
    qtbot.waitUntil(lambda: ts.image("a = 1", 20, "#000000") is not None, timeout=30_000)
    (pid,) = typesetter_pids()
    ts.want([(f"c_{k} = {k}", 20, "#000000") for k in range(50)])  # busy when it dies
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: _gone(pid), timeout=10_000)
    ts.want([("b = 2", 20, "#000000")])  # no exception on the key press that finds it dead
    qtbot.waitUntil(lambda: ts.image("b = 2", 20, "#000000") is not None, timeout=30_000)
    assert typesetter_pids() and pid not in typesetter_pids()
    assert ("b = 2", 20, "#000000", 1.0) not in ts.failed


def test_the_typesetting_process_sends_the_image_the_window_would_have_drawn(qtbot, monkeypatch):
    """A line's image is drawn in the typesetting process (the window only wraps its pixels):
    the window's own renderer is never called for it, and the pixels are those it would draw."""
    import app.shared.typeset as typeset

    ts, key = typesetter(), ("∂L/∂b₁ = δ₁ = 0.1387", 22, "#1f77b4")
    monkeypatch.setattr(typeset, "raster", lambda *a: pytest.fail("drawn in the window"))
    ts.want([key], 2.0)
    qtbot.waitUntil(lambda: ts.image(*key, 2.0) is not None, timeout=30_000)
    got = ts.image(*key, 2.0)
    monkeypatch.undo()
    want = raster(svg_of(to_latex(key[0]), 44, key[2]), 2.0)
    assert got.devicePixelRatio() == want.devicePixelRatio() == 2.0
    assert got.size() == want.size() and got == want


@pytest.mark.parametrize("bad", [(0, 1, 4, b"\0" * 4), (2, 1, 4, b"\0" * 4), (1, 2, 4, b""),
                                 (1, 1, 4, "abcd"), (-1, -1, -4, b"\0" * 4), None, (1, 1, 4),
                                 [1, 1, 4, b"\0" * 4], (1.0, 1, 4, b"\0" * 4),
                                 (1, 1, 4.5, b"\0" * 4), (True, 1, 4, b"\0" * 4)])  # fmt: skip
def test_pixels_that_are_not_an_image_are_refused_in_one_sentence(bad):
    from app.shared.typeset_raster import from_pixels

    with pytest.raises(ValueError, match="not a typeset line's pixels"):
        from_pixels(bad, 1.0)


def test_a_formula_is_fitted_to_the_same_room_whichever_scroll_bars_are_shown(qtbot, window):
    """The room a formula is fitted to (and one ahead is typeset for) does not change when the
    event shown needs a scroll bar, and leaves a vertical bar its width: a line fitted to it
    never needs a horizontal bar beside a vertical one."""
    w = window
    assert w.open_network(MAZUR)
    w.resize(1400, 1000)
    qtbot.wait(50)
    fp, inner = w.formula, w.formula.widget()
    room = fp._room()
    assert room.width() < fp.maximumViewportSize().width()
    for tall, wide in ((3000, 0), (3000, 3000), (0, 3000)):
        inner.setMinimumSize(wide, tall)
        qtbot.waitUntil(lambda t=tall: fp.verticalScrollBar().isVisible() == bool(t), timeout=2000)
        assert fp._room() == room
        if tall:
            assert room.width() <= fp.viewport().width()
    inner.setMinimumSize(0, 0)


def test_the_result_line_is_scrolled_to_with_the_lines_start_in_sight(qtbot, window):
    """A line wider than the panel (plain text before it is typeset, or a long typeset line)
    does not scroll the panel sideways: the header and every line start at its left edge, and
    the result line is in sight."""
    w = window
    assert w.open_network(str(PRESET_DIR / "spiral_deep.json"))
    fp = w.formula
    w.explainer.jump_phase("update")  # Nadam's update: long lines
    fp.widget().setMinimumWidth(3 * fp.viewport().width())  # as wide as a wide plain line
    for _ in range(3):
        qtbot.keyClick(w, Qt.Key.Key_Space)
        qtbot.wait(5)  # the result timer
        hbar, vbar = fp.horizontalScrollBar(), fp.verticalScrollBar()
        assert hbar.maximum() > 0 and hbar.value() == 0
        lab = fp.line_labels[len(fp._shown) - 1]
        top = lab.y() - vbar.value()
        assert fp.header.x() + fp.header.width() <= fp.viewport().width()  # wrapped in sight
        assert top >= 0 and top + lab.height() <= fp.viewport().height()


def test_the_kept_header_height_is_the_headers_own_in_both_looks(qtbot, window):
    """The header's height is kept by its text with digits as 0: at other event numbers, at a
    new phase and in lecturer mode (other type) it is the header's height wrapped at its capped
    width, as laid out. The size hint wraps at a width of its own: at 1366 x 768 it said 76 px
    for a header of 38, and the formula was fitted to 38 px less than it had."""
    w = window
    w.resize(1366, 768)
    assert w.open_network(str(PRESET_DIR / "spiral_deep.json"))
    fp = w.formula
    wrapped = False
    for lecturer in (False, True):
        w.set_lecturer(lecturer)
        for key in (Qt.Key.Key_Space, Qt.Key.Key_BracketRight, Qt.Key.Key_4, Qt.Key.Key_Space):
            qtbot.keyClick(w, key)
            h = fp.header
            assert h.maximumWidth() < 10_000  # capped to the panel
            assert fp._header_height() == h.heightForWidth(h.maximumWidth())
            assert fp._header_height() == h.height()  # as laid out (pinned to it)
            wrapped |= fp._header_height() != h.sizeHint().height()
    w.set_lecturer(False)
    assert wrapped  # the case met: the hint (wrapped at a width of its own) was another height
    assert len(fp._header_heights) >= 3  # phases and looks have their own


@pytest.mark.parametrize("typeset", [False, True])
def test_no_formula_line_is_squeezed_below_its_height(qtbot, window, monkeypatch, typeset):
    """A conv formula's lines are wider than the panel, so the box of lines is too; the layout
    asked the wrapped header and note their height at that width (one line each, where they took
    two) and squeezed the lines by the difference: a plain line's brackets lost their feet, and
    a typeset image would be cut the same way."""
    w = window
    w.resize(1366, 768)
    f = w.formula
    if not typeset:
        monkeypatch.setattr(f.typesetter, "image", lambda *a, **k: None)
    w.open_network(str(PRESET_DIR / "cnn_tiny_digits.json"))
    for _ in range(30):
        w.controls.next.emit()
    if typeset:
        qtbot.waitUntil(lambda: all_typeset(w), timeout=30_000)
    qtbot.wait(50)  # laid out
    if not typeset:  # the case: plain lines wider than the panel (typeset ones are fitted)
        assert f.widget().width() > f.viewport().width() and f.header.height() > 30
    shown = [lab for lab in f.line_labels if lab.isVisible()]
    assert len(shown) == 8 and (typeset == all(not lab.pixmap().isNull() for lab in shown))
    assert [lab.height() for lab in shown] == [lab.sizeHint().height() for lab in shown]


def test_a_one_sample_steps_loss_is_not_called_the_whole_batch(window):
    """SGD's loss header read "LOSS · whole batch · step 2 · … · single sample"."""
    w = window
    assert w.open_network(str(PRESET_DIR / "blobs2_adadelta.json"))  # batch size 1
    ex = w.explainer
    r = ex.current
    i = next(i for i in range(len(r.events))
             if r.events[i].phase == "loss" and r.events[i].sample is None)  # fmt: skip
    ex.goto(ex.step_index, i)
    head = w.formula.plain_text().split("\n")[0]
    assert head.startswith("LOSS · step") and "single sample" in head and "whole" not in head
    assert w.open_network(MAZUR)  # full batch: the loss is the whole batch's
    r = ex.current
    i = next(i for i in range(len(r.events))
             if r.events[i].phase == "loss" and r.events[i].sample is None)  # fmt: skip
    ex.goto(ex.step_index, i)
    assert w.formula.plain_text().startswith("LOSS · whole batch · step")


def test_an_update_keeps_its_type_and_lets_the_optimizer_state_scroll(qtbot, window):
    """Lesson 9 at 1920 beside the Lesson dock: the momentum update's numbers, the ones asked,
    were fitted to 0.6 of their size (13 px) to make room for the 5-row optimizer state below
    them in 16 px type. The formula gives way to the state only down to STATE_YIELD of its size;
    the state scrolls below it."""
    from app.explainer.formula_fit import FIT_STEP, STATE_YIELD, line_height

    w = window
    assert w.open_network(str(PRESET_DIR / "xor_momentum.json"))
    w.resize(1400, 900)
    qtbot.wait(50)
    w.resizeDocks([w.docks["Formula"], w.docks["Code"]], [420, 420], Qt.Orientation.Vertical)
    qtbot.wait(50)
    ex, fp = w.explainer, w.formula
    ex.next_training_step()  # step 2: v_old is not 0, five rows of state
    ex.jump_phase("update")
    ev = ex.event
    assert len(ev.detail) == 5
    px, chars = fp._fit(ev)
    base = fp.theme.formula_px
    assert px >= STATE_YIELD * FIT_STEP * base - 2  # not the 0.6 of before
    t = fp._event_lines(ev, chars)
    need = sum(line_height(x, px) for x in (*t.formula, *t.numbers, t.value))
    room = fp._room().height() - fp._header_height() - 40
    assert need <= room < need + fp._detail_height(5)  # the case: both would not fit


def test_lines_are_broken_where_they_would_be_scaled_down_to_the_width(qtbot, window):
    """On a 1366 wall the update's numbers "= −1.148 − 2·(−0.01725) = −1.113" were not broken
    (30 characters, the least a line was broken at, by an estimate of 0.42 type sizes a
    character where numbers take 0.48-0.51): the line was scaled to the panel's width, smaller
    than the symbols above it. Each line shown now fits the panel within a few per cent."""
    from app.shared.theme import LECTURER

    w = window
    assert w.open_network(MAZUR)
    w.resize(1366, 768)
    fp, ts = w.formula, typesetter()
    ex = w.explainer
    for theme in (fp.theme, LECTURER):
        fp.theme = theme
        for phase in ("forward", "backward", "update"):
            ex.jump_phase(phase)
            room = fp._room().width() - 30
            for line, colour in fp.lines(ex.event, fp._chars):
                img = ts.now(line, fp.px, colour)
                assert img.width() / img.devicePixelRatio() <= 1.05 * room, (phase, line)
