"""Where the drawing's labels go so that none overlaps another (Qt-free, tested directly).

Rectangles are (x, y, w, h) in scene units. A `Placer` keeps what is already taken (node circles'
boxes, titles, labels placed so far) and gives each new label the first of its candidate
positions that overlaps nothing taken, preferring the one crossed by the fewest other edges; a
label with no free candidate is not shown (its value is in the hover text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Rect = tuple[float, float, float, float]
Segment = tuple[float, float, float, float]  # x1, y1, x2, y2

ALONG = (0.3, 0.5, 0.7, 0.2, 0.4, 0.6, 0.8, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75)  # edge fractions


def overlaps(a: Rect, b: Rect, pad: float = 0.0) -> bool:
    return (
        a[0] < b[0] + b[2] + pad
        and b[0] < a[0] + a[2] + pad
        and a[1] < b[1] + b[3] + pad
        and b[1] < a[1] + a[3] + pad
    )


def inside_circle(w: float, h: float, radius: float) -> bool:
    """Whether a w × h box centred in a circle of that radius stays inside it."""
    return (w / 2) ** 2 + (h / 2) ** 2 <= radius**2


def crosses(seg: Segment, r: Rect) -> bool:
    """Whether the segment passes through the rectangle (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = seg
    dx, dy = x2 - x1, y2 - y1
    lo, hi = 0.0, 1.0
    for p, q in (
        (-dx, x1 - r[0]),
        (dx, r[0] + r[2] - x1),
        (-dy, y1 - r[1]),
        (dy, r[1] + r[3] - y1),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def along(
    seg: Segment, w: float, h: float, fracs: Sequence[float] = ALONG, beside: bool = True
) -> list[Rect]:
    """Boxes of w × h centred on points of the segment, at the given fractions of its length;
    then (`beside`) the same points with the box just above or below the line."""
    x1, y1, x2, y2 = seg
    on = [(x1 + (x2 - x1) * f - w / 2, y1 + (y2 - y1) * f - h / 2, w, h) for f in fracs]
    if not beside:
        return on
    return on + [(x, y + dy, w, h) for x, y, _, _ in on for dy in (-0.6 * h, 0.6 * h)]


def within(r: Rect, bounds: Rect) -> bool:
    return (
        bounds[0] <= r[0]
        and bounds[1] <= r[1]
        and r[0] + r[2] <= bounds[0] + bounds[2]
        and r[1] + r[3] <= bounds[1] + bounds[3]
    )


class Placer:
    """`bounds`: where labels must stay (None: anywhere; the drawing is fitted around them)."""

    def __init__(self, taken: Iterable[Rect] = (), pad: float = 2.0, bounds: Rect | None = None):
        self.taken: list[Rect] = list(taken)
        self.pad = pad
        self.bounds = bounds

    def free(self, r: Rect) -> bool:
        if self.bounds is not None and not within(r, self.bounds):
            return False
        return not any(overlaps(r, t, self.pad) for t in self.taken)

    def take(self, r: Rect) -> None:
        self.taken.append(r)

    def place(self, candidates: Sequence[Rect], segments: Sequence[Segment] = ()) -> Rect | None:
        """The free candidate crossed by the fewest segments (the earliest on a tie), now taken;
        None when every candidate overlaps something."""
        best, best_n = None, 0
        for r in candidates:
            if not self.free(r):
                continue
            n = sum(crosses(s, r) for s in segments)
            if best is None or n < best_n:
                best, best_n = r, n
                if n == 0:
                    break
        if best is not None:
            self.take(best)
        return best
