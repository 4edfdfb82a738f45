"""The experiment plots' axis ranges and a sweep's plan (issue 23, defects 11-12), as arithmetic."""

import math

import numpy as np
import pytest

from engine.torch_engine.models import ModelConfig
from engine.torch_engine.plot_ranges import (
    HEADROOM,
    accuracy_range,
    blew_up,
    estimate_run_seconds,
    loss_view,
    sweep_plan,
)
from engine.torch_engine.training import TrainConfig


def falling(start, end, n=50):
    return np.geomspace(start, end, n)


def test_a_diverging_run_does_not_squash_the_others():
    """The sweep of the issue: lr = 1 climbs to 16 while four runs fall from 2.3."""
    runs = [falling(2.3, e) for e in (1.9, 0.9, 0.2, 0.1)] + [np.linspace(2.3, 16, 50)]
    view = loss_view(runs)
    assert view.top == pytest.approx(2.3 * HEADROOM)  # the four runs that learned fill it
    assert view.bottom == pytest.approx(0.1)
    assert view.off_scale == (4,)  # marked on the plot as off the scale


def test_a_run_already_high_at_its_first_record_is_measured_from_where_the_others_began():
    """The sweep seen under Xvfb: lr = 1's first record was already 12.9 (the mean of its first
    steps), peaked at 15.7, then settled at 2.3 (a dead network)."""
    runs = [falling(2.4, e) for e in (0.6, 0.1, 0.05)] + [
        np.concatenate([[12.9, 15.7], np.linspace(10, 2.3, 40)])
    ]
    view = loss_view(runs)
    assert view.top == pytest.approx(2.4 * HEADROOM) and view.off_scale == (3,)


def test_a_run_stopped_by_a_non_finite_loss_is_left_out_even_below_the_top():
    runs = [falling(2.3, 0.2), np.array([2.3, 2.0, 1.5, np.nan])]
    view = loss_view(runs, diverged=[False, True])
    assert view.top == pytest.approx(2.3 * HEADROOM) and view.off_scale == ()


def test_when_every_run_blew_up_all_are_shown():
    runs = [np.linspace(2.3, 9, 10), np.linspace(2.3, 30, 10)]
    view = loss_view(runs)
    assert view.top == pytest.approx(30 * HEADROOM) and view.off_scale == ()


@pytest.mark.parametrize(
    "runs",
    [[], [np.array([])], [np.array([np.nan, np.inf])], [np.array([], float), np.array([np.nan])]],
)
def test_nothing_finite_yet_gives_no_range(runs):
    assert loss_view(runs) is None


def test_zero_losses_and_a_bad_flag_count():
    assert loss_view([np.zeros(5)]).top == 1.0
    with pytest.raises(ValueError, match="2 diverged flags for 1 curves"):
        loss_view([np.ones(3)], diverged=[False, True])


def test_blew_up_follows_its_rule():
    assert not blew_up([2.3, 2.5, 3.4])  # noisy, below 1.5 x where it began
    assert blew_up([2.3, 2.5, 3.5])
    assert blew_up([2.3], diverged=True) and not blew_up([]) and not blew_up([np.nan, 5.0])
    assert blew_up([12.9, 11.0], start=2.3) and not blew_up([3.4], start=2.3)


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0.97, 0.985, 0.11], (0.05, 1.0)),
        ([0.97, 0.985], (0.9, 1.0)),
        ([], (0.0, 1.0)),
        ([np.nan, np.inf, 1.4, -0.2], (0.0, 1.0)),  # out of [0, 1]: not an accuracy
        ([0.02], (0.0, 1.0)),
        ([1.0], (0.95, 1.0)),
    ],
)
def test_the_accuracy_axis_stays_inside_0_1(values, expected):
    lo, hi = accuracy_range(values)
    assert (lo, hi) == pytest.approx(expected) and 0.0 <= lo < hi <= 1.0


def test_a_sweep_says_what_it_runs_and_how_long():
    assert sweep_plan([1e-4, 0.001, 1], 20.0) == "3 runs, lr = 0.0001, 0.001, 1; about 60 s"
    assert sweep_plan([1e-4, 0.001, 1], 200.0).endswith("about 10 min")
    assert sweep_plan([16, 64], 3 * 3600.0).endswith("about 6.0 h")
    for unknown in (None, math.nan, math.inf, 0.0, -5.0):
        assert sweep_plan([0.1], unknown).endswith(
            "not known yet (no run of these settings to go by)"
        )


def test_the_estimate_scales_the_newest_matching_run():
    cfg = TrainConfig(model=ModelConfig("mlp"), epochs=2, batch_size=64, limit_train=10_000)
    settings = {"model": {"name": "mlp"}, "batch_size": 64, "device": None,
                "limit_train": 5_000, "val_size": 0}  # fmt: skip
    other = dict(settings, batch_size=128)
    final = {"wall_seconds": 3.0, "epochs": 1}
    # 3 s for 5,000 digits once -> 2 epochs of 10,000 digits: 12 s; the other batch size ignored
    assert estimate_run_seconds(cfg, [(other, {"wall_seconds": 99.0, "epochs": 1}),
                                      (settings, final)]) == pytest.approx(12.0)  # fmt: skip
    assert estimate_run_seconds(cfg, [(other, final)]) is None
    assert estimate_run_seconds(cfg, []) is None
    broken = [({"model": None}, final), (settings, {"wall_seconds": "x", "epochs": 1}),
              (settings, {"wall_seconds": math.nan, "epochs": 1}), ({}, {})]  # fmt: skip
    assert estimate_run_seconds(cfg, broken) is None
