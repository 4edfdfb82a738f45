"""Divergence: one definition for every way of training (stepping, `trace`, continuous training).

A step diverged when its loss is not finite (or, for continuous training, beyond an explosion
threshold) or when its update left a weight, bias or optimizer state that is not finite. The
caller keeps the state before that step: the last good one.

A loss has exploded when it is not finite or |loss| > EXPLODE_LOSS (1e6). One fixed bound for
continuous training (which stops there) and stepping (which asks before it goes past it), rather
than a factor of the first step's loss: a fixed bound reads the same on every network and in every
message, and a first loss near 0 (a good initialisation) would make a factor fire on noise. The
losses of the course's presets stay below 30; 1e6 is far beyond anything a learning network shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fmt import num
from .network import StepResult, TrainState

EXPLODE_LOSS = 1e6  # |loss| beyond this has exploded (see the module's docstring for why fixed)


def exploded(loss: float, bound: float = EXPLODE_LOSS) -> bool:
    """True when a step's loss has exploded: not finite, or its size over `bound`."""
    return not math.isfinite(loss) or abs(loss) > bound


def explosion_message(step: int, loss: float, lr: float) -> str:
    """The one sentence stepping says when step `step`'s loss has exploded."""
    return (
        f"The loss exploded at step {step} ({num(loss)}, over {num(EXPLODE_LOSS)}): try a "
        f"smaller learning rate than {num(lr)}, or press N again to take this step anyway."
    )


@dataclass(frozen=True)
class Diverged:
    state: TrainState  # the last state whose loss and parameters were finite
    step: int  # the step that diverged
    loss: float  # that step's loss (NaN, inf, or finite when its update broke the parameters)
    reason: str = ""  # what was not finite, in words

    @property
    def message(self) -> str:
        why = self.reason or f"loss {num(self.loss)}"
        return (
            f"diverged at step {self.step} ({why}); the last good state "
            f"(after step {self.state.t}) is kept — try a smaller learning rate"
        )


def finite_state(state: TrainState) -> bool:
    """True when every weight, bias and optimizer-state number of `state` is finite."""
    for (W, b), (sw, sb) in zip(state.params, state.opt_state, strict=True):
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            return False
        for part in (sw, sb):
            if not all(np.isfinite(v).all() for v in part.values()):
                return False
    return True


def check_step(r: StepResult, explode: float = math.inf) -> Diverged | None:
    """A Diverged record when step `r` must not be kept, else None."""
    if not math.isfinite(r.loss):
        return Diverged(r.before, r.t, r.loss, f"the loss is {num(r.loss)}")
    if exploded(r.loss, explode):
        return Diverged(r.before, r.t, r.loss, f"the loss {num(r.loss)} is over {num(explode)}")
    if not finite_state(r.after):
        return Diverged(
            r.before, r.t, r.loss, "its update made a weight, bias or optimizer state not finite"
        )
    return None
