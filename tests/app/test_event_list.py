"""The Sample choice in the step controls and the Events panel: a tree of the step's events by
phase, layer and unit, made as it is shown, following the stepping and going where it is clicked."""

from PySide6.QtCore import Qt

from app.explainer.data_panel import PRESET_DIR
from app.explainer.event_tree import CHUNK, CHUNK_ROWS, LAYER, PHASE

SPIRAL = str(PRESET_DIR / "spiral_deep.json")
MAZUR = str(PRESET_DIR / "mazur_2_2_2.json")


def spiral(w, qtbot):
    assert w.open_network(SPIRAL)
    w.docks["Events"].show()
    qtbot.waitUntil(w.isActiveWindow)
    return w.explainer


def settled(w, qtbot):
    """The tree follows once the keys pause (FOLLOW_DELAY_MS): wait for it."""
    qtbot.waitUntil(lambda: not w.events._follow.isActive(), timeout=3000)


def current_event_row(w):
    """The event index the tree's current row stands for."""
    return w.events.model.first_event(w.events.tree.currentIndex())


def find(model, parent, text):
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        if model.data(index).startswith(text):
            return index
    raise AssertionError(f"no row {text!r}")


def test_the_sample_box_chooses_shows_all_and_follows_the_batch(qtbot, window):
    w = window
    ex = spiral(w, qtbot)
    box = w.controls.sample
    assert box.text() == "all" and box.maximum() == 199
    box.setValue(3)
    assert ex.sample == 3 and ex.event_index == 3 * 66
    assert "event 1 of 808 (sample 3) · 27,275 in the step" in w.controls.position.text()
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert ex.event_index == 3 * 66 + 1
    qtbot.keyClick(w, Qt.Key.Key_End)
    assert ex.event_index == len(ex.current.events) - 1
    qtbot.keyClick(w, Qt.Key.Key_2)  # the loss phase: sample 3's term
    assert ex.event.kind == "loss_term" and ex.event.sample == 3
    assert w.open_network(MAZUR)  # one sample: 3 is gone, the box says all
    assert ex.sample is None and box.text() == "all" and box.maximum() == 0
    box.setValue(5)  # beyond the batch: the box keeps to it
    assert box.value() == 0 and ex.sample == 0


def test_the_tree_has_one_row_per_neuron_of_a_wide_layer(qtbot, window):
    w = window
    ex = spiral(w, qtbot)
    ex.set_sample(3)
    settled(w, qtbot)
    m = w.events.model
    phases = [m.data(m.index(r, 0)) for r in range(m.rowCount())]
    assert phases == [
        "forward · 66 events",
        "loss · 2 events",
        "backward · 403 events",
        "update · 337 events",
    ]
    backward = m.index(2, 0)
    layer2 = find(m, backward, "layer 2 · dense, 16")
    assert m.rowCount(layer2) == 16
    unit = find(m, layer2, "δ[2][7] ")
    assert m.data(unit) == "δ[2][7] · 19 events"  # ∂L/∂a, δ, then 16 weights' and one bias' ∂L
    rows = [m.data(m.index(r, 0, unit)) for r in range(m.rowCount(unit))]
    assert rows[0].startswith("∂L/∂a[2][7] = ") and "sample" not in rows[0]  # said above
    assert rows[1].startswith("δ[2][7] = ") and rows[-1].startswith("∂L/∂b[2][7] = ")


def test_clicking_a_row_goes_to_its_event_and_stepping_selects_the_current_one(qtbot, window):
    w = window
    ex = spiral(w, qtbot)
    ex.set_sample(3)
    settled(w, qtbot)
    m, tree = w.events.model, w.events.tree
    unit = find(m, find(m, m.index(2, 0), "layer 2"), "δ[2][7] ")
    tree.expand(unit.parent().parent())
    tree.expand(unit.parent())
    tree.expand(unit)
    row = m.index(1, 0, unit)
    tree.scrollTo(row)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(row).center())
    assert ex.event.symbol == "δ[2][7]" and ex.event.sample == 3
    settled(w, qtbot)
    assert current_event_row(w) == ex.event_index
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Home):
        qtbot.keyClick(w, key)
        settled(w, qtbot)
        assert current_event_row(w) == ex.event_index
    qtbot.keyClick(w, Qt.Key.Key_N)  # a new step: new groups, the same sample
    settled(w, qtbot)
    assert ex.step_index == 1 and current_event_row(w) == ex.event_index == 3 * 66
    layer_row = find(m, m.index(0, 0), "layer 1")
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(layer_row).center()
    )  # a layer's row: its first event
    assert ex.event_index == 3 * 66 and m.node(layer_row).level == LAYER


def test_the_tree_makes_rows_as_they_are_shown_not_one_per_event(qtbot, window):
    w = window
    ex = spiral(w, qtbot)  # every sample: 27,275 events
    m = w.events.model
    for _ in range(20):
        qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.events._follow.isActive()  # keys pressed quickly: the tree waits for a pause
    settled(w, qtbot)
    assert current_event_row(w) == ex.event_index
    w.docks["Events"].hide()  # what the rest of the window builds, without the tree
    qtbot.keyClick(w, Qt.Key.Key_4)
    qtbot.keyClick(w, Qt.Key.Key_End)
    built = len(ex.current.events._cache)
    m.event_rows_asked = 0
    w.docks["Events"].show()
    qtbot.waitUntil(lambda: current_event_row(w) == ex.event_index == 27_274)
    assert m.nodes_made < 120  # phases, the layers shown, their units
    assert m.event_rows_asked < 1000  # the unit opened, not all 27,275 events
    assert len(ex.current.events._cache) - built < 100  # events built: rows on screen only
    assert m.node(m.index(0, 0)).level == PHASE
    unit = m.index(0, 0, m.index(0, 0, m.index(0, 0)))  # forward, layer 1, unit 0
    assert m.data(m.index(2, 0, unit)).startswith("z[1][0] = ")
    assert m.data(m.index(2, 0, unit)).endswith(" · sample 1")  # every sample: rows name theirs


def test_the_events_panel_is_listed_in_view_and_can_come_back(qtbot, window):
    w = window
    view = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "View")
    act = next(a for a in view.actions() if a.text() == "Events panel")
    assert w.docks["Events"].isVisible()
    w.set_lecturer(True)  # lecturer mode hides it with the other panels, Esc brings it back
    assert not w.docks["Events"].isVisible()
    w.set_lecturer(False)
    assert w.docks["Events"].isVisible()
    w.docks["Events"].close()
    ex = spiral(w, qtbot)
    w.docks["Events"].close()
    qtbot.keyClick(w, Qt.Key.Key_Space)  # hidden: it does not follow
    act.trigger()
    assert w.docks["Events"].isVisible()
    qtbot.waitUntil(lambda: current_event_row(w) == ex.event_index)


def test_a_unit_of_many_events_opens_in_chunks(qtbot, window):
    w = window
    assert w.open_network(str(PRESET_DIR / "cnn_tiny_digits.json"))  # conv maps of 12×12 cells
    w.docks["Events"].show()
    ex, m = w.explainer, w.events.model
    ex.goto(0, 2630)  # sample 2, a[1][1][6][4] (977 a sample: 3 maps × 144 cells of z, of a, …)
    settled(w, qtbot)
    index = w.events.tree.currentIndex()
    assert m.first_event(index) == 2630
    chunk = index.parent()
    assert m.node(chunk).level == CHUNK and m.data(chunk) == "events 501–1,000 of 1,152"
    assert m.data(chunk.parent()).startswith("z, a[1][1] map · 1,152 events")
    m.event_rows_asked = 0
    ex.goto(0, 977 + 300)  # sample 1, z of map 2: another unit, its first chunk
    settled(w, qtbot)
    assert m.first_event(w.events.tree.currentIndex()) == 977 + 300
    assert m.event_rows_asked <= CHUNK_ROWS + 150  # a chunk and the rows painted, not 1,152
    assert not w.events.tree.isExpanded(chunk)  # the chunk opened before is closed again
