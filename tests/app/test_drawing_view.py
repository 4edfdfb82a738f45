"""The dense network drawing reads cleanly: labels never overlap and stay in their neurons, at
the normal and at a lecturer's label size; an update is written with enough digits to be seen
and flashes; a wide layer is a strip of cells whose current units are labelled."""

import itertools
import json
import math
from dataclasses import replace

import pytest
from PySide6.QtCore import QPointF

from app.explainer.data_panel import PRESET_DIR
from app.explainer.network_items import LabelItem
from app.shared.theme import LECTURER, NORMAL
from engine.numpy_engine import ids


def net_file(tmp_path, units, dataset="xor") -> str:
    layers = [{"units": 2}] + [{"units": n, "activation": "tanh"} for n in units]
    layers.append({"units": 1, "activation": "sigmoid"})
    path = tmp_path / "net.json"
    spec = {"layers": layers, "loss": "bce", "optimizer": {"name": "sgd", "lr": 0.5}}
    path.write_text(json.dumps({**spec, "data": {"dataset": dataset}}))
    return str(path)


def visible_labels(view) -> list[LabelItem]:
    return [
        t
        for t in view.scene().items()
        if isinstance(t, LabelItem) and t.isVisible() and t.text().strip()
    ]


def assert_clean(view) -> None:
    labels = visible_labels(view)
    for a, b in itertools.combinations(labels, 2):
        ra, rb = a.sceneBoundingRect(), b.sceneBoundingRect()
        assert not ra.intersects(rb), f"{a.text()!r} overlaps {b.text()!r}"
    for nid, t in view.node_text.items():
        if t.isVisible() and t.text() and t.beside:
            assert not t.sceneBoundingRect().intersects(view.nodes[nid].rect())
        elif t.isVisible() and t.text():
            r, c = t.sceneBoundingRect(), view.nodes[nid].rect().center()
            corner = (
                max(abs(r.left() - c.x()), abs(r.right() - c.x())),
                max(abs(r.top() - c.y()), abs(r.bottom() - c.y())),
            )
            assert math.hypot(*corner) <= view.geom.scale.r, f"{t.text()!r} overflows its neuron"


def big_labels(view, px: int) -> None:
    view.theme = replace(NORMAL, label_px=px)


def walk(window, check) -> int:
    """Check the drawing at a few events of every phase; how many were checked."""
    ex, n = window.explainer, 0
    for phase in ("forward", "loss", "backward", "update"):
        ex.jump_phase(phase)
        for _ in range(3):
            check()
            ex.next()
            n += 1
    ex.end()
    check()
    return n + 1


@pytest.mark.parametrize("px", [14, 28])
@pytest.mark.parametrize("net", ["mazur_2_2_2.json", "xor_2_2_1.json", "2-8-8-1", "2-16-16-1"])
def test_labels_never_overlap_and_stay_inside_their_neurons(window, tmp_path, net, px):
    path = str(PRESET_DIR / net) if net.endswith(".json") else None
    if path is None:
        units = [int(u) for u in net.split("-")[1:-1]]
        path = net_file(tmp_path, units)
    assert window.open_network(path)
    big_labels(window.view, px)
    assert walk(window, lambda: assert_clean(window.view)) == 13
    if px == 14:  # the values are drawn, inside the neurons or beside them (at 28 px a small
        # view has room for no 2-8-8-1 label: they are hidden, not drawn small or overlapping)
        assert any(t.text() and t.isVisible() for t in window.view.node_text.values())


def test_labels_are_at_least_the_themes_size_on_screen(window):
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    for px in (14, 28):
        big_labels(window.view, px)
        scale = window.view.transform().m11()
        for t in visible_labels(window.view):
            assert t.font().pixelSize() * scale >= px - 0.01, t.text()


def test_an_updated_weight_reads_differently_after_its_update(window):
    ex, view = window.explainer, window.view
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    checked = 0
    for idx in range(ex.current.events.phase_start("update"), len(ex.current.events)):
        ex.goto(0, idx - 1)
        before = {eid: t.text() for eid, t in view.edge_text.items()}
        ex.goto(0, idx)
        for eid in (e for e in ex.event.edges if e.startswith("w")):
            l, j, i = (int(v) for v in eid[1:].split("_"))
            if ex.event.value != ex.current.before.params[l - 1][0][j, i]:
                assert view.edge_text[eid].text() != before[eid], eid
                checked += 1
    assert checked == 8


def test_an_update_flashes_and_a_forward_event_does_not(window):
    ex, view = window.explainer, window.view
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    assert not view.flash_running() and view.flashing == ()
    ex.jump_phase("update")
    assert view.flash_running() and view.flashing == tuple(ex.event.edges)
    ex.next()  # the next key press stops the old pulse and starts its own
    assert view.flash_running() and view.flashing == tuple(ex.event.edges)
    ex.home()
    assert ex.event.phase == "forward"
    assert not view.flash_running() and view.flashing == ()


def test_a_wide_layer_is_a_strip_with_its_current_units_labelled(window, tmp_path):
    ex, view = window.explainer, window.view
    assert window.open_network(net_file(tmp_path, [500, 500], "spiral"))
    assert view.strips[1].strip.cells == view.strips[2].strip.cells == 500
    assert not view.edges  # no edge is drawn one by one next to a strip
    lay = ex.current.events.layout
    ex.goto(0, lay.index("z", 2, 0, 7))  # z of unit 7 of layer 2: its 500 input weights
    assert len([e for e in ex.event.edges if e.startswith("w")]) == 500  # and its bias
    assert view.strips[2].marks == [7]
    assert view.bands[2][1].path().elementCount() == 1000  # the event's edges, in the band
    labels = [t.text() for t in view.mark_text if t.isVisible()]
    assert labels == [f"#7 {view._shown.node_values['n2_7']}"] and labels[0].startswith("#7 z=")
    assert_clean(view)
    ex.end()  # every drawn unit reached: about one event read per cell, not per weight
    assert len(ex.current.events._cache) < 3 * 1000


@pytest.mark.parametrize("theme", [NORMAL, LECTURER], ids=["normal", "lecturer"])
def test_a_band_is_drawn_opaque_in_the_colour_its_translucent_fill_had(window, tmp_path, theme):
    """The band lies on the bare canvas: an opaque fill of the composite looks the same as the
    muted colour at alpha 70 drawn over the canvas, and is cheaper to paint."""
    from PySide6.QtGui import QColor, QImage, QPainter

    window.view.theme = theme
    assert window.open_network(net_file(tmp_path, [16, 16], "spiral"))
    img = QImage(4, 4, QImage.Format.Format_RGB32)
    img.fill(QColor(theme.canvas))
    p = QPainter(img)
    over = QColor(theme.muted)
    over.setAlpha(70)
    p.fillRect(0, 0, 4, 4, over)
    p.end()
    want = img.pixelColor(1, 1)
    assert window.view.bands  # 16 units are strips, joined by bands
    for band, _ in window.view.bands.values():
        got = band.brush().color()
        assert got.alpha() == 255
        assert max(abs(got.red() - want.red()), abs(got.green() - want.green())) <= 1
        assert abs(got.blue() - want.blue()) <= 1


def test_lecturer_size_labels_fit_whole_in_a_big_enough_view(qtbot, window):
    window.resize(1800, 1300)
    for name in ("Plots", "Setup", "Events"):  # the left docks share the (wider) Setup width
        window.docks[name].hide()
    qtbot.wait(10)
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    view = window.view
    big_labels(view, 28)
    assert view.labels.dropped == 0 and view.labels.bounds is None  # all fitted, none left out
    assert view.labels.font.pixelSize() * view.transform().m11() >= 28 - 0.01
    window.explainer.jump_phase("update")  # every neuron has its value
    values = [t.text() for t in view.node_text.values()]
    assert all(v.startswith(("x=", "z=", "a=")) for v in values)  # whole, inside the neurons
    assert not any(t.beside for t in view.node_text.values())
    assert sum(t.isVisible() for t in view.edge_text.values()) >= 4
    assert_clean(view)


def test_a_view_too_small_hides_labels_but_still_labels_the_current_neuron(qtbot, window, tmp_path):
    window.resize(1760, 950)  # the first window on a 1920-px screen (Setup as wide as it opens)
    window.docks["Plots"].hide()  # a view of about 850 × 650: 12 rows of 28 px labels at most
    qtbot.wait(10)
    assert window.open_network(net_file(tmp_path, [12, 12], "spiral"))
    view, ex = window.view, window.explainer
    big_labels(view, 28)
    assert view.labels.bounds is not None  # no size settled: labels only where there is room
    ex.goto(0, ex.current.events.layout.index("a", 2, 0, 6))
    nid = ex.event.nodes[0]
    shown = [t.text() for t in view.node_text.values() if t.isVisible() and t.text()]
    marked = [t.text() for t in view.mark_text if t.isVisible()]
    assert view._shown.node_values[nid] in shown + marked
    scale = view.transform().m11()
    for t in visible_labels(view):
        assert t.font().pixelSize() * scale >= 28 - 0.01, t.text()
    assert_clean(view)


def test_hovering_a_strip_names_the_cell_under_the_pointer(window, tmp_path):
    assert window.open_network(net_file(tmp_path, [40, 40], "spiral"))
    strip = window.view.strips[2]
    s = strip.strip
    assert strip.hover_id(QPointF(s.x + 1, s.cell_y(17))) == "n2_17"
    assert "neuron 17 of layer 2" in window.view.tooltip_provider(ids.node(2, 17))  # a typed id


@pytest.mark.parametrize("preset", ["mazur_2_2_2.json", "xor_2_2_1.json", "design_example.json"])
def test_every_weight_of_a_small_net_is_labelled_beside_its_own_edge(window, preset):
    """Issue 23, defect 7: the 2-2-2 example's first frame labelled 5 of its 8 weights and put
    "0.2" on the crossing. Each label now lies on its own edge, nearer it than any other."""
    from app.explainer.label_place import crosses

    w, v = window, window.view
    assert w.open_network(str(PRESET_DIR / preset))
    segs = {e: (*it.line().p1().toTuple(), *it.line().p2().toTuple()) for e, it in v.edges.items()}

    def dist(seg, p):  # from point p to a segment
        x1, y1, x2, y2 = seg
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((p[0] - x1) * dx + (p[1] - y1) * dy) / (dx * dx + dy * dy)))
        return math.hypot(x1 + t * dx - p[0], y1 + t * dy - p[1])

    assert v.edge_text and set(v.edge_text) == set(segs)
    for eid, t in v.edge_text.items():
        assert t.isVisible() and t.text(), eid
        r = t.sceneBoundingRect()
        box, centre = r.getRect(), r.center().toTuple()
        others = [dist(s, centre) for e, s in segs.items() if e != eid]
        assert crosses(segs[eid], box) or dist(segs[eid], centre) <= r.height(), eid
        assert dist(segs[eid], centre) < min(others, default=math.inf), eid


def test_a_backward_value_is_drawn_once_reached_and_with_its_symbol(window):
    """Issue 23, defect 9: on the 2-2-2 example's backward pass the second output showed
    "−0.0381" without "δ=". Each neuron's label names its symbol, and a δ shows only once its
    event is reached."""
    w, ex = window, window.explainer
    assert w.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    ex.jump_phase("backward")
    lay = ex.current.events.layout
    while ex.event.phase == "backward":
        for nid, t in w.view.node_text.items():
            if t.isVisible() and t.text():
                assert "=" in t.text(), (ex.event_index, nid, t.text())
            l, j = (int(x) for x in nid[1:].split("_"))
            if l == 2 and t.text().startswith("δ="):
                assert lay.index("delta", l, 0, j) <= ex.event_index
        ex.next()


@pytest.mark.parametrize("px", [NORMAL.label_px, 28])
def test_a_view_too_small_for_its_labels_keeps_every_layer_title(qtbot, window, px):
    """The sine preset's column of 12 fills the view's height: no label size settles, so the
    drawing takes its own sizes. The room above the column is made for its title at that size
    (it was fitted to the smaller labels of the first try, and the title was hidden)."""
    window.resize(1760, 950)
    qtbot.wait(10)
    assert window.open_network(str(PRESET_DIR / "sine_regression.json"))
    view = window.view
    big_labels(view, px)
    assert view.labels.bounds is not None  # the fallback
    assert all(t.isVisible() for t in view.titles), [t.text() for t in view.titles]
    scale = view.transform().m11()
    for t in visible_labels(view):
        assert t.font().pixelSize() * scale >= px - 0.01, t.text()
    assert_clean(view)


def test_a_drawing_too_wide_for_its_view_keeps_the_legends_first_line(qtbot, window):
    """At 1366 x 768 a 2-2-1 drawing is too wide for label-sized text and falls back to its own
    sizes; the legend was left out, and a lesson's learner read the edges' ∂L/∂w (−0.0173) as
    the weight the formula uses (−1.148). Its first line stays; with room, the whole legend.
    A drawing only a little too big for label_px takes labels a little smaller first (to 0.75
    of it), and keeps everything."""
    from app.explainer.network_labels import LEAST_SHRINK

    window.resize(1366, 768)
    assert window.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    window.explainer.jump_phase("backward")
    view = window.view
    view.setFixedSize(478, 430)
    qtbot.wait(20)
    assert view.labels.dropped == 0 and LEAST_SHRINK <= view.labels.shrink < 1.0
    assert view.legend.text().count("\n") >= 2  # the whole legend
    view.setFixedSize(360, 320)  # too small even at 0.75 of label_px: the fallback
    qtbot.wait(20)
    assert view.labels.dropped == 1 and view.legend.isVisible()
    assert view.legend.text() == "edges: ∂L/∂w of this step"
    box = view.mapFromScene(view.legend.sceneBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(box)  # in sight
    view.setFixedSize(800, 600)
    qtbot.wait(20)
    assert view.labels.dropped == 0 and view.legend.text().count("\n") >= 2


def test_a_tall_drawing_in_a_wide_view_spreads_its_columns_for_its_labels(qtbot, window):
    """Lesson 6's 1-12-1 net at 1366 x 768 is limited by its height: its columns stood close,
    and three of its twelve hidden neurons had no value beside them. The columns move apart
    (at most SPREAD_MOST times) while the drawing keeps within the view's shape."""
    from app.explainer.network_labels import SPREAD_MOST
    from engine.lessons.networks import LESSONS
    from tests.app.test_lesson_player import _go, _open

    window.resize(1366, 768)
    L = window.lessons
    _open(qtbot, L, LESSONS / "06_losses.json")
    _go(qtbot, L, 3)
    view = window.view
    view.setFixedSize(478, 430)
    qtbot.wait(20)
    hidden = [t for k, t in view.node_text.items() if str(k).startswith("n1_")]
    assert len(hidden) == 12 and all(t.isVisible() and t.text() for t in hidden)
    assert 240.0 < view.geom.scale.col <= 240.0 * SPREAD_MOST
    rect, port = view.sceneRect(), view.viewport().rect()
    assert rect.width() / rect.height() <= port.width() / port.height() + 0.01  # still by height


def _plain_pens(view) -> list[float]:
    """The edges' widths, less the highlighted ones'."""
    hl = view.theme.highlight.lower()
    return [e.pen().widthF() for e in view.edges.values() if e.pen().color().name() != hl]


def test_lines_keep_their_width_on_screen_where_the_fit_shrank_the_drawing(window, tmp_path):
    """The 2-2-2 example in a small view: its circles grow to hold the labels and the fit
    shrinks it all (to 0.2 at 1366 beside a lesson), and its edges, 1 to 8 scene units, were
    0.2 to 1.6 px on screen, its rings 0.3 px. They keep 1 to 8 px, times the theme's scale on
    the wall, unless the widest edge would take more than a quarter of the gap between two rows
    (a dense net's edges stay apart, and a drawing at its own sizes in a tiny view stays so)."""
    view, kept = window.view, 0
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    window.resize(1366, 768)  # offscreen: a view of 434 x 433
    for theme in (NORMAL, LECTURER):
        view.theme = theme
        window.explainer.jump_phase("forward")
        m, pens, k = view.transform().m11(), _plain_pens(view), view.line_scale()
        assert m < 0.5 and pens  # the case: shrunk by the fit
        if k * m >= 0.999 * theme.scale:  # 1 to 8 px on screen, times the theme's scale
            kept += 1
        else:  # the widest edge at a quarter of a row
            assert 8 * k == pytest.approx(view.geom.scale.row / 4)
        assert all(k * 0.999 <= p <= 8 * k * 1.001 for p in pens)
        rings = {round(n.pen().widthF() / k, 6) for n in view.nodes.values()}
        assert rings <= {1.5, 3.5, 5.0} and 1.5 in rings
        assert max(pens) * m > 1.0  # never the 0.2 to 1.6 px of before
    assert kept >= 1
    assert window.open_network(net_file(tmp_path, [12, 12]))
    view.theme = replace(LECTURER, scale=40.0)  # lines that would be 40 to 320 px
    window.explainer.end()
    assert max(_plain_pens(view)) == pytest.approx(view.geom.scale.row / 4)
    view.theme = NORMAL


def test_an_edge_is_repainted_wherever_its_pen_reaches(window):
    """Qt's line item takes its bounds from its shape (the 14-unit hit area): a highlighted big
    weight's pen, wider than that on a wall, left its edges painted on the canvas."""
    from PySide6.QtGui import QPainterPath, QPainterPathStroker, QPen

    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    slants = 0
    for edge in window.view.edges.values():  # level and slanted (a square cap's corner)
        slants += bool(edge.line().dy())
        for width in (1.0, 14.0, 40.0, 57.0, 3.0):
            edge.setPen(QPen(edge.pen().color(), width))
            path = QPainterPath(edge.line().p1())
            path.lineTo(edge.line().p2())
            stroker = QPainterPathStroker(edge.pen())
            painted = stroker.createStroke(path).boundingRect()
            assert edge.boundingRect().contains(painted), (edge.key, width)
    assert slants >= 4
