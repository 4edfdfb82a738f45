"""Stepping past an exploded loss only as a deliberate choice (Qt-free, no maths).

When the next step's loss has exploded (engine.numpy_engine.guard.exploded: |loss| > 1e6, the
bound continuous training stops at), the step is held, not shown, and the window says so in one
sentence naming the step. Asking for the same step again (N, or Space at the end of a step) takes
it: the learner chose to watch the explosion, and the steps after it are taken without asking
while the loss stays exploded. A loss back under the bound, an edit, or a new network asks again.
Continuous training that stops at the bound says so in its own words and shows the step it
stopped at (its last good state), as it did before; the next N asks.
"""

from __future__ import annotations

from engine.numpy_engine import StepResult, TrainState
from engine.numpy_engine.guard import exploded, explosion_message


class ExplosionGate:
    def __init__(self):
        self.held: StepResult | None = None  # the exploded step waiting for a second request
        self.going_on = False  # the learner chose to step on past the bound

    def reset(self) -> None:
        self.held, self.going_on = None, False

    def waiting(self, state: TrainState) -> StepResult | None:
        """The held step when it is the one after `state` (asked for again), else None."""
        return self.held if self.held is not None and self.held.before is state else None

    def admit(self, r: StepResult, lr: float) -> str | None:
        """None when step r may be kept; else the sentence to say, and r is held."""
        if not exploded(r.loss):
            self.reset()
            return None
        if self.going_on or self.held is r:
            self.held, self.going_on = None, True
            return None
        self.held = r
        return explosion_message(r.t, r.loss, lr)
