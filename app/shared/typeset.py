"""Formulas typeset from their one LaTeX source (engine/numpy_engine/latex.py) by ziamath, a real
math typesetter (LaTeX → SVG, pure Python), then drawn by Qt's SVG renderer into an image.

Typesetting one formula takes 10–50 ms, three times a 60 Hz frame, so it never happens on a key
press: a single background thread renders what the panel asks for (the current event first, then
the events ahead of the cursor) into a cache, and the panel shows a cached image at once or, for a
few frames, the formula's plain notation. The thread holds the GIL only between the interpreter's
switches (the explainer sets a short switch interval), so key presses stay quick while it works.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from functools import cache

from PySide6.QtCore import QByteArray, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

CACHE_ITEMS = 3000  # typeset lines kept (a few MB: one line is a ~1000 x 60 image)
_PHASE_COLOURS = {
    "forward": "#1f77b4",
    "loss": "#9467bd",
    "backward": "#d62728",
    "update": "#2ca02c",
}

Key = tuple[str, int, str]  # (LaTeX, pixel size, colour)


def phase_colour(phase: str) -> str:
    return _PHASE_COLOURS.get(phase, "#333333")


@cache
def ziamath():
    """The typesetter, configured for Qt's SVG renderer (SVG 1.1: no <symbol> reuse)."""
    with warnings.catch_warnings():  # 0.13 reads its font through a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath as zm
    zm.config.svg2 = False
    return zm


def render(tex: str, px: int, colour: str, scale: float = 1.0) -> QImage:
    """One line of LaTeX as an image, `px` the font's pixel size (times `scale` for HiDPI)."""
    svg = ziamath().Latex(tex, size=px * scale, color=colour).svg()
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize()
    img = QImage(max(1, size.width()), max(1, size.height()), QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p, QRectF(0, 0, img.width(), img.height()))
    p.end()
    img.setDevicePixelRatio(scale)
    return img


class Typesetter(QObject):
    """The cache of typeset lines and the one thread that fills it."""

    ready = Signal()  # a line asked for with `want` is now in the cache

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cache: OrderedDict[Key, QImage] = OrderedDict()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[tuple[Key, float]] = []
        self._thread: threading.Thread | None = None
        self.failed: dict[Key, str] = {}  # lines the typesetter refused (shown as plain text)

    def image(self, tex: str, px: int, colour: str) -> QImage | None:
        """The cached image of a line, or None (then ask for it with `want`)."""
        with self._lock:
            img = self._cache.get((tex, px, colour))
            if img is not None:
                self._cache.move_to_end((tex, px, colour))
            return img

    def now(self, tex: str, px: int, colour: str, scale: float = 1.0) -> QImage:
        """The image, typeset on this thread if need be (exports, where waiting is expected)."""
        img = self.image(tex, px, colour)
        if img is None:
            img = render(tex, px, colour, scale)
            self._store((tex, px, colour), img)
        return img

    def want(self, keys: list[Key], scale: float = 1.0) -> None:
        """Typeset these lines in the background, in this order, instead of what was asked
        before (the cursor moved: what is on screen comes first, then what is ahead)."""
        with self._lock:
            self._queue = [(k, scale) for k in dict.fromkeys(keys) if k not in self._cache]
            self._queue = [(k, s) for k, s in self._queue if k not in self.failed]
            if self._queue:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._work, daemon=True)
                    self._thread.start()
                self._wake.notify()

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _store(self, key: Key, img: QImage) -> None:
        with self._lock:
            self._cache[key] = img
            while len(self._cache) > CACHE_ITEMS:
                self._cache.popitem(last=False)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    if not self._wake.wait(timeout=30):
                        self._thread = None
                        return
                key, scale = self._queue.pop(0)
            try:
                img = render(*key, scale)
            except Exception as e:  # a formula the typesetter cannot set stays plain text
                with self._lock:
                    self.failed[key] = f"{type(e).__name__}: {e}"
                continue
            self._store(key, img)
            try:
                self.ready.emit()
            except RuntimeError:  # the application is shutting down
                return


@cache
def typesetter() -> Typesetter:
    """The process's one typesetter (one cache, one thread, shared by every window)."""
    return Typesetter()
