"""The drawing's Qt-free parts: where layers go, where labels go, how many digits a number gets."""

import itertools

from app.explainer.label_place import Placer, along, crosses, inside_circle, overlaps
from app.explainer.network_layout import (
    MAX_CELLS,
    STRIP_FROM,
    R,
    drawn_units,
    edges_drawn,
    geometry,
)
from app.explainer.scene_state import num_apart


def test_an_update_is_written_with_enough_digits_to_read_differently():
    assert num_apart(0.1498, 0.15) == "0.1498"
    assert num_apart(0.1996, 0.2) == "0.1996"
    assert num_apart(-0.35, -0.3) == "\u22120.35"  # 3 digits when they already differ
    assert num_apart(0.1234567, 0.1234568) == "0.123457"  # at most 6
    assert num_apart(0.5, 0.5) == "0.5" and num_apart(0.5, None) == "0.5"


def test_wide_layers_are_strips_and_only_circle_pairs_get_their_edges():
    sizes = (2, 500, 500, 1)
    g = geometry(sizes)
    assert set(g.strips) == {1, 2} and g.strips[1].cells == 500
    assert sorted(g.circles) == [(0, 0), (0, 1), (3, 0)]
    assert not any(edges_drawn(sizes, l) for l in (1, 2, 3))
    assert edges_drawn((2, STRIP_FROM, 1), 1) and not edges_drawn((2, STRIP_FROM + 1, 1), 1)
    assert len(drawn_units(5000)) == MAX_CELLS and len(drawn_units(7)) == 7
    s = g.strips[1]
    assert s.cell_at(s.cell_y(123)) == 123 and s.cell_at(s.top - 50) == 0


def test_circles_of_a_layer_do_not_touch_and_sit_in_their_column():
    g = geometry((2, 12, 3))
    for (l, j), (x, y) in g.circles.items():
        x0, y0, x1, y1 = g.column(l)
        assert x0 <= x - R and x + R <= x1 and y0 <= y - R and y + R <= y1
        if (l, j + 1) in g.circles:
            assert g.circles[l, j + 1][1] - y >= 2 * R


def test_placed_labels_never_overlap_what_is_taken_or_each_other():
    taken = [(0, 0, 50, 50)]
    placer = Placer(taken)
    segs = [(0, 25, 400, 25 + 40 * k) for k in range(8)]
    got = [placer.place(along(s, 40, 14), segs) for s in segs]
    placed = [r for r in got if r is not None]
    assert len(placed) >= 6  # most find room
    for a, b in itertools.combinations([*placed, *taken], 2):
        assert not overlaps(a, b)


def test_a_label_avoids_the_candidates_crossed_by_other_edges():
    crossing = (100, -100, 100, 100)  # a vertical edge through the middle
    placer = Placer()
    r = placer.place(along((0, 0, 200, 0), 20, 10, (0.5, 0.2)), [crossing])
    assert r is not None and not crosses(crossing, r) and r[0] < 50
    assert crosses(crossing, (90, -5, 20, 10)) and not crosses((0, 0, 10, 0), (20, 20, 5, 5))


def test_a_box_fits_a_circle_when_its_corners_are_inside():
    assert inside_circle(40, 20, 23) and not inside_circle(60, 20, 23)
