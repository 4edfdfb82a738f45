"""The lines whose number grows with the user's choices (a sweep's values, a net's layers) are
drawn only in colours that read on both looks' canvases (WCAG's 3:1 for lines): no yellow or
orange on the laptop's white, whatever the count."""

from __future__ import annotations

import pytest

from app.shared.theme import LECTURER, LINE_CONTRAST, NORMAL, contrast_ratio, series_colour
from app.trainer.live_plots import run_pen


def _rgb(pen) -> tuple[int, int, int]:
    c = pen.color()
    return c.red(), c.green(), c.blue()


def _reads(rgb) -> bool:
    return min(contrast_ratio(rgb, t.canvas) for t in (NORMAL, LECTURER)) >= LINE_CONTRAST


def test_the_check_catches_a_colour_of_the_full_table():
    assert not all(_reads(series_colour(i)) for i in range(8))  # orange, sky blue, yellow


@pytest.mark.parametrize("value", range(12))
def test_every_value_of_a_sweep_reads_on_both_canvases(qapp, value):
    assert _reads(_rgb(run_pen(value)))


def test_every_layers_gradient_norm_reads_on_both_canvases(qapp):
    from app.trainer.live_plots import LivePlots
    from engine.torch_engine.records import Start

    plots = LivePlots()
    names = tuple(f"layer {k}" for k in range(9))
    start = Start(
        device="cpu",
        device_reason="",
        device_name="CPU",
        parameters=1,
        steps_per_epoch=1,
        total_steps=1,
        train_size=1,
        layer_names=names,
    )
    plots.reset(start)
    assert len(plots.layer_curves) == 9
    for curve in plots.layer_curves:
        assert _reads(_rgb(curve.opts["pen"]))
