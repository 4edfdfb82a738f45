"""What a learner changed by hand in a run of training steps (the explainer's click on an edge or
a neuron): a step whose weights are not the ones the step before it left. An edit before step 1
changes the weights the training starts from; one later changes a state that training from step
1 does not reach. The exported script and the lesson mode ask it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .core import Params
from .network import Network, StepResult


def same_params(a: Params, b: Params | None) -> bool:
    """Whether two sets of (W, b) per layer hold the same numbers."""
    if b is None or len(a) != len(b):
        return False
    return all(
        np.array_equal(wa, wb) and np.array_equal(ba, bb)
        for (wa, ba), (wb, bb) in zip(a, b, strict=True)
    )


def edits(net: Network, history: Sequence[StepResult]) -> tuple[Params | None, int | None]:
    """(the weights step 1 began with, where they are not the network's own, else None; the
    first later step whose weights were edited, else None)."""
    first = history[0]
    start = None
    if first.before.t == 0 and not same_params(first.before.params, net.initial_state().params):
        start = first.before.params
    later = (
        r.t for prev, r in zip(history, history[1:], strict=False)
        if not same_params(prev.after.params, r.before.params)
    )  # fmt: skip
    return start, next(later, None)
