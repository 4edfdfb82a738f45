"""The spread over seeds the sweep plots draw, against plain computations written out here."""

import math

import pytest

from engine.torch_engine.spread import (
    Spread,
    band_aligned,
    gap,
    overlap,
    overlap_table,
    spread,
    spread_range,
)


def test_an_aligned_band_is_the_mean_min_and_max_of_the_runs_that_reached_each_epoch():
    a = ([1, 2, 3], [0.90, 0.95, 0.97])
    b = ([1, 2, 3], [0.80, 0.97, 0.96])
    c = ([1, 2], [0.85, 0.93])  # stopped early: no third epoch
    band = band_aligned([a, b, c])
    assert list(band.x) == [1, 2, 3]
    assert list(band.count) == [3, 3, 2]
    assert band.mean == pytest.approx([(0.90 + 0.80 + 0.85) / 3, (0.95 + 0.97 + 0.93) / 3, 0.965])
    assert list(band.lo) == [0.80, 0.93, 0.96]
    assert list(band.hi) == [0.90, 0.97, 0.97]


def test_a_non_finite_point_is_left_out_not_spread():
    band = band_aligned([([1, 2], [0.5, float("nan")]), ([1, 2], [0.7, 0.8])])
    assert band.mean == pytest.approx([0.6, 0.8]) and list(band.count) == [2, 1]
    assert band_aligned([([1], [float("inf")])]) is None
    assert band_aligned([]) is None


def test_curves_of_unequal_length_are_refused_in_a_sentence():
    with pytest.raises(ValueError, match="as many x as y"):
        band_aligned([([1, 2], [0.5])])
    with pytest.raises(ValueError, match="differ in length"):
        gap([0.9, 0.8], [0.7])


def test_spread_and_the_overlap_of_ranges():
    s = spread([0.981, 0.985, float("nan"), 0.983])
    assert (s.n, s.lo, s.hi) == (3, 0.981, 0.985)
    assert s.mean == pytest.approx((0.981 + 0.985 + 0.983) / 3)
    assert spread([]).n == 0 and math.isnan(spread([]).mean)
    far = spread([0.990, 0.992])
    touching = spread([0.985, 0.99])
    assert overlap(s, touching) is True  # share 0.985
    assert overlap(s, far) is False and overlap(far, s) is False
    assert overlap(s, Spread(0, math.nan, math.nan, math.nan)) is None


def test_the_overlap_table_names_every_pair_and_how_far_apart():
    a, b, c = spread([0.90, 0.92]), spread([0.91, 0.95]), spread([0.97, 0.99])
    rows = overlap_table([a, b, c])
    assert [(r.a, r.b, r.overlap) for r in rows] == [(0, 1, True), (0, 2, False), (1, 2, False)]
    assert rows[0].words == "overlap: not told apart"
    assert rows[1].words == f"differ: nearest seeds {(0.97 - 0.92) * 100:.2f} accuracy points apart"
    assert rows[2].words == "differ: nearest seeds 2.00 accuracy points apart"


def test_the_gap_is_train_minus_validation():
    assert gap([0.99, 1.0], [0.9, 0.95]) == pytest.approx([0.09, 0.05])


def test_two_single_seeds_get_no_verdict():
    (row,) = overlap_table([spread([0.90]), spread([0.95])])
    assert row.overlap is None and row.words == "one seed each: no spread to judge by"
    (row,) = overlap_table([spread([0.90]), spread([0.95, 0.96])])  # one side has a spread
    assert row.overlap is False


def test_the_final_accuracy_axis_spans_every_seed_with_a_margin():
    lo, hi = spread_range([spread([0.90, 0.92]), spread([0.95, 0.96])])
    assert (lo, hi) == pytest.approx((0.90 - 0.015, 0.96 + 0.015))
    assert spread_range([spread([0.5])]) == pytest.approx((0.495, 0.505))  # one point: 1 point
    assert spread_range([spread([1.0, 1.0])]) == pytest.approx((0.99, 1.0))  # never past 1
    assert spread_range([spread([0.0])]) == pytest.approx((0.0, 0.01))
    assert spread_range([spread([])]) == (0.0, 1.0)
