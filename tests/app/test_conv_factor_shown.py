"""Every factor a formula names is findable on the drawing. On the tiny CNN preset, in the backward
phase, ∂L/∂w[4][0][99] = Σ_s δ[4][0]·a[3][99] names a[3][99], the flattened pooled value the weight
multiplies: the event touches the pooled map's cell it was flattened from (c2_2_4_3: channel 2,
row 4, column 3 of the 3×6×6 maps), and the drawing shows that map with its values and outlines
the cell, instead of a δ[2] grid no event has reached yet."""

import numpy as np

from app.explainer.conv_state import conv_view_state
from app.explainer.data_panel import PRESET_DIR
from engine.numpy_engine import ids

CNN = PRESET_DIR / "cnn_tiny_digits.json"
CELL = "c2_2_4_3"  # flat position 99 of the (3, 6, 6) pooled maps


def test_the_drawing_shows_and_outlines_the_value_the_weight_multiplies(window):
    assert window.open_network(str(CNN)), window.last_error
    ex = window.explainer
    i = ex.current.events.layout.index("grad_w", 4, None, 99)
    ex.goto(0, i)
    st = conv_view_state(ex)
    s = 0  # a batch event: the drawing shows the first sample of the batch (none chosen)
    grids = {g.gid: (col, g) for col in st.columns for g in col.grids}
    col, g = grids["c2_2"]
    a = ex.current.events.arrays.fw.A[3][s, 99]
    assert g.values[4, 3] == a and np.isfinite(g.values).all()  # the pooled values, all shown
    assert "a[2], δ[2] next" in col.title
    read = [c for c in st.columns if c.title == "a[3][99]"]  # the factor, large enough to read
    assert len(read) == 1 and read[0].grids[0].values.tolist() == [[a]]
    assert f"{a:.4g}"[:4] in ex.event.substituted  # the same number the formula substitutes
    assert CELL in window.conv_view.highlighted
    assert read[0].grids[0].gid == ids.read_grid(3)
    assert "read3_0_0" in window.conv_view.highlighted  # outlined as its map cell is


def test_the_delta_grid_comes_back_once_its_first_delta_is_reached(window):
    assert window.open_network(str(CNN))
    ex = window.explainer
    lay = ex.current.events.layout
    ex.goto(0, lay.index("da", 2, 0, 0))  # a max-pool: δ = ∂L/∂a
    st = conv_view_state(ex)
    titles = [c.title for c in st.columns]
    assert any(t.startswith("δ[2]") for t in titles), titles
    assert not any("δ[2] next" in t for t in titles) and "a[3][99]" not in titles


def test_a_conv_filter_gradient_adds_no_factor_column(window):
    """Layer 1's filter gradient reads the input image (always drawn): no extra column, and no
    layer looked up at index −1."""
    assert window.open_network(str(CNN))
    ex = window.explainer
    ex.goto(0, ex.current.events.layout.index("grad_w", 1, None, 0))
    assert ex.event.kind == "grad_w" and ex.event.layer == 1
    st = conv_view_state(ex)
    assert not [
        c for c in st.columns if c.title.startswith("a[") and c.grids[0].gid.kind == ids.READ
    ]
