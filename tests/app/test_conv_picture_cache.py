"""The image drawing keeps each column as drawn (grid_picture.py): a key press that only moves the
outlined cells reuses the kept columns, and a change of values, sample labels, theme or size draws
them afresh. Whatever was kept, the drawing equals a fresh drawing of the same state."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.explainer.conv_state import Column, ConvState, Grid
from app.explainer.conv_view import ConvView, _changes
from app.shared.theme import LECTURER, NORMAL
from engine.numpy_engine import ids

SIZE = (900, 600)


def _state(values: np.ndarray, focus=(1, 1), label: str = "ch 0") -> ConvState:
    x = Column("input x · sample 3", [Grid(label, values, ids.map_grid(0, 0))])
    w = Column("filters w[1]", [Grid("f0·c0", np.eye(2), ids.filter_grid(1, 0, 0))], small=True)
    return ConvState([x, w], focus=ids.cell(0, 0, *focus), caption="sample 3 · step 0")


def _view(qtbot, theme=NORMAL) -> ConvView:
    v = ConvView(theme)
    qtbot.addWidget(v)
    v.resize(*SIZE)
    return v


def _image(v: ConvView) -> QImage:
    return v.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _fresh(qtbot, st: ConvState, theme=NORMAL, size=SIZE) -> QImage:
    v = _view(qtbot, theme)
    v.resize(*size)
    v.show_state(st)
    return _image(v)


@pytest.fixture
def values():
    return np.arange(36, dtype=float).reshape(6, 6) / 10 - 1.5


def test_a_new_focus_reuses_the_columns_and_draws_what_a_fresh_view_draws(qtbot, values):
    v = _view(qtbot)
    v.show_state(_state(values))
    _image(v)
    drawn = v.kept.recorded
    assert drawn == 2  # the input's column and the filter's
    st = _state(values.copy(), focus=(4, 2))  # the next key: same values, another cell
    v.show_state(st)
    img = _image(v)
    assert v.kept.recorded == drawn  # nothing drawn afresh
    assert img == _fresh(qtbot, st)
    assert img != _fresh(qtbot, _state(values))  # and the outline did move


def test_new_values_or_a_new_sample_label_draw_the_column_afresh(qtbot, values):
    v = _view(qtbot)
    v.show_state(_state(values))
    _image(v)
    drawn = v.kept.recorded
    changed = values.copy()
    changed[2, 3] = 9.0
    st = _state(changed)
    v.show_state(st)
    img = _image(v)
    assert v.kept.recorded == drawn + 1  # the input's column only
    assert img == _fresh(qtbot, st)
    other = _state(changed, label="sample 7")
    v.show_state(other)
    assert _image(v) == _fresh(qtbot, other)
    assert v.kept.recorded == drawn + 2


def test_lecturer_colours_and_a_new_size_draw_afresh(qtbot, values):
    v = _view(qtbot)
    st = _state(values)
    v.show_state(st)
    normal = _image(v)
    v.theme = LECTURER  # as lecturer mode sets it, then repaints
    v.update()
    lecturer = _image(v)
    assert lecturer != normal
    assert lecturer == _fresh(qtbot, st, LECTURER)
    greens = replace(NORMAL, name="greens", positive="#00aa00", text="#0000ff")  # same sizes
    v.theme = greens
    v.update()
    assert _image(v) == _fresh(qtbot, st, greens)
    v.theme = NORMAL
    v.resize(700, 500)
    assert _image(v) == _fresh(qtbot, st, NORMAL, (700, 500))


def test_the_same_state_painted_again_is_the_kept_drawing(qtbot, values):
    v = _view(qtbot)
    v.show_state(_state(values))
    first = _image(v)
    look = (v.width(), v.height(), v.devicePixelRatioF(), v.theme, _changes(v.state))
    kept = v.kept.frame(v.state, look)
    assert kept is not None
    v.state.caption = "changed without show_state"  # not shown: the state is one picture
    assert _image(v) == first
    v.show_state(v.state)  # shown again: drawn again
    assert _image(v) != first
