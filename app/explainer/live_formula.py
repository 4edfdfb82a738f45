"""What the formula panel shows while the network trains continuously: the newest loss, as an
event like the trace's own loss event, with the numbers the training worker reported (no step of
the trace is recorded while it runs, so the panel would otherwise keep an old number)."""

from __future__ import annotations

from engine.numpy_engine.fmt import num
from engine.numpy_engine.losses import get_loss
from engine.numpy_engine.trace_events import Event

NOTE = (
    "Training continuously: the batch loss at step {t}, the newest one. Press T to pause; "
    "stepping then shows every number of the next step."
)


def live_loss(explainer) -> tuple[Event, str] | None:
    """The newest loss as (event, position line), or None before the first report."""
    if not explainer.loss_t or explainer.net is None:
        return None
    t, v = int(explainer.loss_t[-1]), float(explainer.loss_v[-1])
    event = Event(
        "loss",
        "L",
        get_loss(explainer.net.model.loss).formula,
        num(v),  # the panel writes it "= 1.692e−05" under the formula
        v,
        ("loss",),
        (),
        None,
        t,
        note=NOTE.format(t=t),
        kind="loss",
    )
    return event, f"training… step {t} · {explainer.steps_per_s:.0f} steps/s"
