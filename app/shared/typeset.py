"""Formulas typeset from their one LaTeX source (engine/numpy_engine/latex.py) by ziamath, a real
math typesetter (LaTeX → SVG, pure Python), then drawn by Qt's SVG renderer into an image.

Typesetting one formula takes 10–130 ms, many 60 Hz frames, so it never happens on a key press
nor in the window's process: one helper process typesets what the panel asks for (the current
event first, then the events ahead of the cursor), one line at a time, and draws it into an image
too (typeset_raster.py: about 1 ms a line, no longer the window's); the window keeps the images in
a cache. The panel shows a cached image at once or, for a few frames, the formula's plain
notation. (A thread was tried first: sharing the GIL with it doubled
the key-press time of the fast CNN's step, bench/digit_step.py.)
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from .typeset_child import pixels_of_line, svg_of_line, warm
from .typeset_raster import from_pixels, raster

CACHE_BYTES = 96 * 2**20  # typeset lines kept (a line at 22 px is about 60 KB, at 36 px 150 KB)
CACHE_ITEMS = 3000  # refusals remembered
MAX_RESTARTS = 1  # a typesetting process that dies is started again once
Key = tuple[str, int, str]  # (a line of the trace's notation, pixel size, colour)


class Typesetter(QObject):
    """The cache of typeset lines and the one process that fills it."""

    ready = Signal()  # a line asked for with `want` is now in the cache
    _arrived = Signal(object, object)  # (key, scale), the finished future: from the pool's thread

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cache: OrderedDict[tuple, QImage] = OrderedDict()  # (line, px, colour, scale)
        self._bytes = 0
        self._queue: list[tuple[Key, float]] = []
        self._inflight: tuple | None = None  # (line, px, colour, scale) being typeset
        self._inflight_fut = None  # its future (a late answer from a replaced process is told)
        self._pool: ProcessPoolExecutor | None = None
        self._restarts = 0
        self.failed: dict[tuple, str] = {}  # lines the typesetter refused (shown as plain text)
        self._arrived.connect(self._on_arrived)

    def image(self, line: str, px: int, colour: str, scale: float = 1.0) -> QImage | None:
        """The cached image of a line at this screen scale, or None (then ask with `want`)."""
        key = (line, px, colour, scale)
        img = self._cache.get(key)
        if img is not None:
            self._cache.move_to_end(key)
        return img

    def now(self, line: str, px: int, colour: str, scale: float = 1.0) -> QImage:
        """The image, typeset in this process if need be (exports, where waiting is expected)."""
        img = self.image(line, px, colour, scale)
        if img is None:
            img = raster(svg_of_line(line, px * scale, colour), scale)
            self._store((line, px, colour, scale), img)
        return img

    def want(self, keys: list[Key], scale: float = 1.0) -> None:
        """Typeset these lines in the background, in this order, instead of what was asked
        before (the cursor moved: what is on screen comes first, then what is ahead)."""
        skip = set(self._cache) | set(self.failed) | {self._inflight}
        self._queue = [(k, scale) for k in dict.fromkeys(keys) if (*k, scale) not in skip]
        self._pump()

    def pending(self) -> int:
        return len(self._queue) + (self._inflight is not None)

    def _store(self, key: tuple, img: QImage) -> None:
        old = self._cache.pop(key, None)
        self._bytes += img.sizeInBytes() - (old.sizeInBytes() if old is not None else 0)
        self._cache[key] = img
        while self._bytes > CACHE_BYTES and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._bytes -= dropped.sizeInBytes()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")  # no copy of the window's memory
            self._pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=warm)
        return self._pool

    def _broken(self) -> None:
        """The process died: start another once; after that, lines stay plain text. The line
        it was typesetting goes back to the front of the queue."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._restarts = None, self._restarts + 1
        if self._inflight is not None:
            line, px, colour, scale = self._inflight
            self._queue.insert(0, ((line, px, colour), scale))
        self._inflight = self._inflight_fut = None

    def _pump(self) -> None:
        while self._inflight is None and self._queue and self._restarts <= MAX_RESTARTS:
            key, scale = self._queue[0]
            try:
                fut = self._executor().submit(pixels_of_line, *key, scale)
            except BrokenProcessPool:  # it died while idle
                self._broken()
                continue
            self._queue.pop(0)
            self._inflight, self._inflight_fut = (*key, scale), fut
            fut.add_done_callback(lambda f, ks=(key, scale): self._arrived.emit(ks, f))

    def _on_arrived(self, key_scale, fut) -> None:
        key, scale = key_scale
        if fut is not self._inflight_fut:  # from a process already replaced: keep what it made
            if not fut.cancelled() and fut.exception() is None:
                with contextlib.suppress(ValueError):
                    self._store((*key, scale), from_pixels(fut.result(), scale))
            return
        try:
            img = from_pixels(fut.result(), scale)
        except BrokenProcessPool:  # it died while typesetting this line: try it again
            self._broken()
        except Exception as e:  # a formula the typesetter cannot set stays plain text
            if len(self.failed) > CACHE_ITEMS:
                self.failed.clear()
            self.failed[(*key, scale)] = f"{type(e).__name__}: {e}"
            self._inflight = self._inflight_fut = None
        else:
            self._inflight = self._inflight_fut = None
            self._store((*key, scale), img)
            self.ready.emit()
        self._pump()


def typesetter_pids() -> set[int]:
    """The typesetting process's id (none before the first formula): a long-lived helper, not
    a job, for the checks that no job's process is left running."""
    pool = typesetter()._pool
    return set(getattr(pool, "_processes", None) or ())


@cache
def typesetter() -> Typesetter:
    """The process's one typesetter (one cache, one helper process, shared by every window)."""
    return Typesetter()
