"""Work done while the keys pause, so that the next key press is cheap.

When the learner stops on an event (PAUSE_MS without a key), the positions the likely next keys go
to (Space, `]` and M: the walk through a big step) are prepared: their events built, the image
drawing's state of each made, and its columns drawn ahead into the view's kept pictures. A key that
then lands there takes the prepared state instead of making it; a change of step, sample or network
discards what was prepared (it is keyed on them).

The garbage collector is settled at the same moment: what stepping has created so far (a big step's
events) is frozen out of the collector's sight, so a full collection never scans hundreds of
thousands of events in the middle of a key press (bench/digit_step.py: such collections were the
worst presses); every FULL_EVERY pauses everything is unfrozen and collected once, so cyclic garbage
among the frozen objects is freed too, as it is when a network is switched (settle_garbage).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from .conv_state import ConvState, conv_view_state
from .explainer import settle_garbage
from .jumps import largest_index, part_starts

PAUSE_MS = 30  # the keys have paused this long: prepare the next positions
FULL_EVERY = 50  # pauses between full collections


def next_positions(ex) -> list[int]:
    """The events Space, `]` and M go to from here, in that order, each once."""
    r, i = ex.current, ex.event_index
    out = [ex.visible().next_after(i)]
    starts = part_starts(r.events.layout, ex.filter.applies_to(r))
    out.append(next((s for s in starts if s > i), None))
    out.append(largest_index(r, i))
    return list(dict.fromkeys(k for k in out if k is not None and k != i))


class Ahead(QObject):
    """Prepares the next key's work for window `w` when its keys pause."""

    def __init__(self, w, parent=None):
        super().__init__(parent or w)
        self.w, self.ex = w, w.explainer
        self.prepared: dict[tuple, tuple] = {}  # (step, event, sample) -> (step, drawing's state)
        self.used = 0  # prepared states taken by a key (for tests and the bench)
        self.pauses = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PAUSE_MS)
        self.timer.timeout.connect(w.guard(self.paused))
        self.ex.changed.connect(self.timer.start)
        self.ex.network_changed.connect(self.prepared.clear)

    def _key(self, index: int) -> tuple:
        ex = self.ex
        return (id(ex.current), index, ex.filter.applies_to(ex.current))

    def conv_state(self, ex) -> ConvState:
        """The drawing's state at the explainer's position: the prepared one, else made now."""
        hit = self.prepared.pop(self._key(ex.event_index), None)
        if hit is None or hit[0] is not ex.current:  # an id reused by a newer step
            return conv_view_state(ex)
        self.used += 1
        return hit[1]

    def paused(self) -> None:
        ex = self.ex
        if ex.net is None or not ex.history or ex.training:
            return
        self.prepare()
        self.settle()

    def prepare(self) -> None:
        """Build the next positions' events and, for an image net, their drawings' states and
        columns; what was prepared for other positions is dropped."""
        ex, images = self.ex, self.ex.net.model.images
        kept = {}
        for k in next_positions(ex):
            ex.current.events[k]  # built now and kept by the trace
            if not images:
                continue
            key = self._key(k)
            hit = self.prepared.get(key)
            if hit is None or hit[0] is not ex.current:
                hit = (ex.current, conv_view_state(ex, k))
            self.w.conv_view.prepare(hit[1])
            kept[key] = hit
        self.prepared = kept

    def settle(self) -> None:
        """Freeze what stepping made so far; every FULL_EVERY pauses, collect everything."""
        self.pauses += 1
        if self.pauses % FULL_EVERY == 0:
            settle_garbage()
        else:
            gc.freeze()
