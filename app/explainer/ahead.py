"""Work done while the keys pause, so that the next key press is cheap.

When the learner stops on an event (PAUSE_MS without a key), the positions the keys go to from
there are prepared, the likeliest first: Space, `]`, M, Back, `[`, Home and the four phase keys.
For each, its event is built, its Code panel document parsed (code_panel.py) and, for an image
net, its drawing's state made, outlined and drawn whole into the view's kept pictures. One
position is prepared per turn of the event loop, so a key pressed meanwhile waits for one
position's work (a few ms), never for all of them. A key that then lands on a prepared position
takes its state instead of making it; a change of step, sample or network discards what was
prepared (it is keyed on them).

The garbage collector is settled at the same moment: what stepping has created so far (a big step's
events) is frozen out of the collector's sight, so a full collection never scans hundreds of
thousands of events in the middle of a key press (bench/digit_step.py: such collections were the
worst presses); every FULL_EVERY pauses everything is unfrozen and collected once, so cyclic garbage
among the frozen objects is freed too, as it is when a network is switched (settle_garbage).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from engine.numpy_engine import PHASES

from .code_panel import snippet_of
from .conv_state import ConvState, conv_view_state
from .explainer import settle_garbage
from .jumps import largest_index, next_part_index, previous_part_index

PAUSE_MS = 30  # the keys have paused this long: prepare the next positions
FULL_EVERY = 50  # pauses between full collections


def next_positions(ex) -> list[int]:
    """The events Space, `]`, M, Back, `[`, Home and the phase keys go to from here, in that
    order (the likeliest first), each once."""
    r, i, spans = ex.current, ex.event_index, ex.visible()
    out = [spans.next_after(i), next_part_index(ex), largest_index(r, i), spans.last_before(i)]
    out += [previous_part_index(ex), spans.at(0)]
    out += [spans.first_from(r.events.phase_start(p)) for p in PHASES]
    return list(dict.fromkeys(k for k in out if k is not None and k != i))


class Ahead(QObject):
    """Prepares the next keys' work for window `w` when its keys pause."""

    def __init__(self, w, parent=None):
        super().__init__(parent or w)
        self.w, self.ex = w, w.explainer
        self.prepared: dict[tuple, tuple] = {}  # (step, event, sample) -> (step, drawing's state)
        self.queue: list[int] = []  # the positions still to prepare, the likeliest first
        self.used = 0  # prepared states taken by a key (for tests and the bench)
        self.pauses = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PAUSE_MS)
        self.timer.timeout.connect(w.guard(self.paused))
        self.work = QTimer(self)  # one position a turn of the event loop
        self.work.setInterval(0)
        self.work.timeout.connect(w.guard(self._prepare_next))
        self.ex.changed.connect(self._moved)
        self.ex.network_changed.connect(self.prepared.clear)

    def _moved(self) -> None:
        self.work.stop()
        self.queue = []
        self.timer.start()

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
        """The keys paused: settle the collector and start preparing the next positions; what
        was prepared for other positions is dropped."""
        ex = self.ex
        if ex.net is None or not ex.history or ex.training:
            return
        self.queue = next_positions(ex)
        keys = {self._key(k) for k in self.queue}
        self.prepared = {k: v for k, v in self.prepared.items() if k in keys}
        self.settle()
        self.work.start()

    def finish(self) -> None:
        """Prepare every queued position now (tests; a pause does it one a turn)."""
        while self.queue:
            self._prepare_next()

    def _prepare_next(self) -> None:
        """Build the next queued position's event, its code's document and, for an image net,
        its drawing's state and whole drawing."""
        if not self.queue:
            self.work.stop()
            return
        ex, k = self.ex, self.queue.pop(0)
        ev = ex.current.events[k]  # built now and kept by the trace
        if self.w.docks["Code"].isVisible():
            self.w.code.prepare(snippet_of(ex, ev))
        if not ex.net.model.images:
            return
        key = self._key(k)
        hit = self.prepared.get(key)
        if hit is None or hit[0] is not ex.current:
            hit = (ex.current, conv_view_state(ex, k))
        self.w.conv_view.prepare(hit[1])
        self.prepared[key] = hit

    def settle(self) -> None:
        """Freeze what stepping made so far; every FULL_EVERY pauses, collect everything."""
        self.pauses += 1
        if self.pauses % FULL_EVERY == 0:
            settle_garbage()
        else:
            gc.freeze()
