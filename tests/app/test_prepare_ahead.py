"""While the keys pause the window prepares the next keys' work (ahead.py): what it prepares equals
what the key would make, a key after a pause uses it, a change of step or sample discards it, and
the garbage collector's freezing is undone at the full collection."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.explainer import ahead as ahead_mod
from app.explainer.ahead import next_positions
from app.explainer.conv_state import conv_view_state
from app.explainer.data_panel import PRESET_DIR
from tests.app.test_code_panel import _plain

NBSP = "\u00a0"

TINY = str(PRESET_DIR / "cnn_tiny_digits.json")


def _same(a, b) -> bool:
    """Two drawing states show the same: columns, grids (values, NaN where not reached), marks."""
    if (a.focus, a.touched, a.caption, a.drawn, a.ranks) != (b.focus, b.touched, b.caption,
                                                               b.drawn, b.ranks):  # fmt: skip
        return False
    if [(c.title, len(c.grids)) for c in a.columns] != [(c.title, len(c.grids)) for c in b.columns]:
        return False
    for ca, cb in zip(a.columns, b.columns, strict=True):
        for ga, gb in zip(ca.grids, cb.grids, strict=True):
            if (ga.label, ga.gid, ga.marks) != (gb.label, gb.gid, gb.marks):
                return False
            if not np.array_equal(ga.values, gb.values, equal_nan=True):
                return False
    overlays = [(o.gid, o.top, o.left, o.size) for o in a.overlays]
    return overlays == [(o.gid, o.top, o.left, o.size) for o in b.overlays]


@pytest.fixture
def tiny(qtbot, window):
    assert window.open_network(TINY)
    for _ in range(5):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    return window


def test_what_is_prepared_equals_what_each_key_makes(qtbot, tiny):
    w, ex = tiny, tiny.explainer
    w.ahead.paused()
    w.ahead.finish()
    here = ex.event_index
    targets = next_positions(ex)
    assert len(targets) >= 2 and here not in targets
    prepared = {key[1]: hit[1] for key, hit in w.ahead.prepared.items()}
    assert sorted(prepared) == sorted(targets)
    for k in targets:
        ex.goto(ex.step_index, k)  # the fresh state at that event
        assert _same(prepared[k], conv_view_state(ex))
    ex.goto(ex.step_index, here)
    w.ahead.paused()
    w.ahead.finish()
    nxt = ex.visible().next_after(here)
    assert not _same(w.ahead.prepared[w.ahead._key(nxt)][1], conv_view_state(ex))


def test_a_key_after_a_pause_uses_the_prepared_state(qtbot, tiny):
    w, ex = tiny, tiny.explainer
    w.ahead.paused()
    w.ahead.finish()
    used, hit = (
        w.ahead.used,
        w.ahead.prepared[w.ahead._key(ex.visible().next_after(ex.event_index))],
    )
    recorded = w.conv_view.kept.recorded
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.ahead.used == used + 1
    assert w.conv_view.state is hit[1]  # shown as prepared (no lesson changes it here)
    drawn = w.conv_view.frames_drawn
    w.conv_view.repaint()
    assert w.conv_view.kept.recorded == recorded  # its columns were drawn ahead
    assert w.conv_view.frames_drawn == drawn  # and its whole drawing: the paint is one copy
    assert w.conv_view.grab().toImage() == _fresh_image(w.conv_view)  # the same as drawn now
    qtbot.keyClick(w, Qt.Key.Key_Space)  # no pause: made on the key, as before
    assert w.ahead.used == used + 1
    assert _same(w.conv_view.state, conv_view_state(ex))


def _fresh_image(v):
    """The view's state drawn afresh by the view, nothing kept (call after grabbing what it
    showed: this drops what it kept)."""
    v.kept.clear()
    v._ahead.clear()
    v.show_state(v.state)
    return v.grab().toImage()


def test_a_prepared_state_a_lesson_changes_is_outlined_and_drawn_again(qtbot, tiny):
    w, ex, v = tiny, tiny.explainer, tiny.conv_view
    w.ahead.paused()
    w.ahead.finish()
    nxt = ex.visible().next_after(ex.event_index)
    st = w.ahead.prepared[w.ahead._key(nxt)][1]
    extra = next(c for c in _ids_of(st) if c not in st.touched and c != st.focus)
    st.touched = st.touched | {extra}  # as lesson_screen.conv marks what a step says to look at
    drawn = v.frames_drawn
    v.show_state(st)
    v.repaint()
    assert v.frames_drawn == drawn + 1  # not the drawing made before the change
    assert v.grab().toImage() == _fresh_image(v)


def _ids_of(st) -> list[str]:
    """Ids of the input image's cells (candidates for an extra outline)."""
    from engine.numpy_engine import ids

    h, wd = st.columns[0].grids[0].values.shape
    return [ids.cell(0, 0, r, c) for r in range(h) for c in range(wd)]


def test_a_new_step_or_sample_discards_what_was_prepared(qtbot, tiny):
    w, ex = tiny, tiny.explainer
    w.ahead.paused()
    w.ahead.finish()
    assert w.ahead.prepared
    old = dict(w.ahead.prepared)
    qtbot.keyClick(w, Qt.Key.Key_N)  # the next training step: other values everywhere
    used = w.ahead.used
    assert ex.step_index == 1
    for key, (step, _) in old.items():
        assert step is not ex.current
        ex.goto(1, key[1])  # the same event of the new step
        assert w.ahead.used == used  # never the old step's state
        assert _same(w.conv_view.state, w.lessons.conv(conv_view_state(ex)))
    i = ex.current.events.layout.index("grad_w", 1, None, 0)  # a batch event: its drawing
    ex.goto(ex.step_index, i)  # shows the chosen sample's maps
    w.ahead.paused()
    w.ahead.finish()
    nxt = ex.visible().next_after(i)
    assert w.ahead._key(nxt) in w.ahead.prepared
    assert ex.set_sample(1)
    assert ex.event_index == i and ex.visible().next_after(i) == nxt
    used = w.ahead.used
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert ex.event_index == nxt and w.ahead.used == used  # sample 0's state not taken
    assert _same(w.conv_view.state, w.lessons.conv(conv_view_state(ex)))


def test_pauses_freeze_and_the_full_collection_unfreezes(qtbot, tiny, monkeypatch):
    w = tiny
    monkeypatch.setattr(ahead_mod, "FULL_EVERY", 3)

    class Cycle:
        pass

    junk = Cycle()
    junk.me = junk  # cyclic garbage once dropped: only a collection frees it
    gone = weakref.ref(junk)
    w.ahead.pauses = 0
    w.ahead.paused()  # pause 1: frozen
    assert gc.get_freeze_count() > 0
    del junk
    gc.collect()
    assert gone() is not None  # frozen: out of the collector's sight
    w.ahead.paused()
    w.ahead.finish()
    assert gone() is not None
    w.ahead.paused()  # pause 3: unfrozen and collected, then frozen again
    assert gone() is None


def test_every_key_s_position_is_prepared_the_likeliest_first(qtbot, tiny):
    """Space, ], M, Back, [, Home and the phase keys: where each key really goes is queued, and
    Space's position comes first."""
    w, ex = tiny, tiny.explainer
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)
    qtbot.keyClick(w, Qt.Key.Key_Space)  # inside a part: [ goes to this part's start
    here, step = ex.event_index, ex.step_index
    targets = next_positions(ex)
    landed = []
    for key in (Qt.Key.Key_Space, Qt.Key.Key_BracketRight, Qt.Key.Key_M, Qt.Key.Key_Left,
                Qt.Key.Key_BracketLeft, Qt.Key.Key_Home, Qt.Key.Key_1, Qt.Key.Key_2,
                Qt.Key.Key_3, Qt.Key.Key_4):  # fmt: skip
        qtbot.keyClick(w, key)
        assert ex.step_index == step
        if ex.event_index != here:
            landed.append(ex.event_index)
        ex.goto(step, here)
    assert targets[0] == ex.visible().next_after(here)
    assert set(targets) == set(landed) and len(targets) >= 7


def test_the_queue_is_worked_one_position_a_turn_and_a_key_stops_it(qtbot, tiny, monkeypatch):
    w, ex = tiny, tiny.explainer
    made = []
    real = ahead_mod.conv_view_state
    monkeypatch.setattr(ahead_mod, "conv_view_state",
                        lambda e, k=None: made.append(k) or real(e, k))  # fmt: skip
    w.ahead.paused()
    assert made == [] and len(w.ahead.queue) >= 5  # nothing yet: one a turn of the loop
    qtbot.waitUntil(lambda: not w.ahead.queue)
    assert made == next_positions(ex)  # the likeliest first, each once
    w.ahead.paused()
    w.ahead._prepare_next()
    assert w.ahead.queue
    qtbot.keyClick(w, Qt.Key.Key_Space)  # a key: the rest of the queue is dropped
    assert w.ahead.queue == [] and not w.ahead.work.isActive()


def test_kept_columns_drop_the_least_recently_used():
    from PySide6.QtCore import QRectF

    from app.explainer.grid_picture import KeptPictures

    kept = KeptPictures(limit=2)
    rect = QRectF(0, 0, 4, 4)
    a = kept.column("a", rect, 1.0, lambda p: None)
    kept.column("b", rect, 1.0, lambda p: None)
    assert kept.column("a", rect, 1.0, lambda p: None) is a  # a used again: b is the oldest
    kept.column("c", rect, 1.0, lambda p: None)
    assert kept.column("a", rect, 1.0, lambda p: None) is a and kept.recorded == 3
    kept.column("b", rect, 1.0, lambda p: None)
    assert kept.recorded == 4  # b was dropped, drawn again


def test_the_code_panels_documents_are_made_ahead_and_a_key_only_swaps_them(qtbot, tiny):
    w, ex, code = tiny, tiny.explainer, tiny.code
    w.ahead.paused()
    w.ahead.finish()
    made = code.made
    for key in (Qt.Key.Key_Space, Qt.Key.Key_BracketRight):
        qtbot.keyClick(w, key)
        assert code.made == made  # the document was made while the keys paused
        shown = code.body.document()
        assert shown.toPlainText().replace(NBSP, " ") == _plain(
            code.html
        )  # and it is this event's code
        assert shown.defaultFont() == code.body.font()
        assert shown.textWidth() == code.body.viewport().width()
        w.ahead.paused()
        w.ahead.finish()
        made = code.made
    retyped = code.retyped
    far = next(k for k in range(ex.event_index + 40, 10**6) if k not in next_positions(ex))
    ex.goto(ex.step_index, far)  # not prepared: made now, or written into a kept one's cells
    assert code.made + code.retyped == made + retyped + 1
    assert code.body.document().toPlainText().replace(NBSP, " ") == _plain(code.html)


def test_a_code_document_made_ahead_is_laid_out_ahead_and_shows_as_one_made_now(qtbot, tiny):
    """The documents made while the keys pause are laid out at the body's width then, so a key
    only swaps them in; what it shows is what a document made on the key press shows."""
    from app.explainer import code_panel
    from app.shared.lru import LRU

    w, ex, code = tiny, tiny.explainer, tiny.code
    w.ahead.paused()
    w.ahead.finish()

    def kept_frame(k) -> bool:  # a key there writes a kept document's cells instead
        sn = code_panel.snippet_of(ex, ex.current.events[k])
        return code._frames.get(code._frame_of(sn, code._head(sn))) is not None

    k = next(k for k in next_positions(ex) if not kept_frame(k))
    ahead = code._document(code._html(code_panel.snippet_of(ex, ex.current.events[k])))
    assert ahead.pageSize().width() == code.body.viewport().width()
    ex.goto(ex.step_index, k)
    assert code.body.document() is ahead
    qtbot.wait(20)
    shown = code.body.viewport().grab().toImage()
    code._docs = LRU(code_panel.DOCS_KEPT)  # forget it: the same event's document made now
    code._frames = LRU(code_panel.FRAMES_KEPT)
    code.redraw()
    assert code.body.document() is not ahead
    qtbot.wait(20)
    assert code.body.viewport().grab().toImage() == shown
