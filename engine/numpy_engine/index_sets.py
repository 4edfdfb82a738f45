"""Sets of event indices read by position without listing them: a step of a full-batch net has
tens of thousands of events (27,275 on the spiral preset) and a filter or a group of them must
answer "the p-th member", "where is event i" and "the next member after i" in O(log n).

`Spans`: sorted, disjoint half-open ranges (a sample's events plus the batch's).
`Strided`: index = base + s·stride + o for s in samples, o in offsets (a unit's events, one
block per sample). `Group`: parts of either kind one after the other, in trace order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

import numpy as np


class Spans:
    """Sorted disjoint half-open ranges [start, stop) of event indices."""

    __slots__ = ("starts", "stops", "offsets")

    def __init__(self, pairs: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for a, b in sorted((int(a), int(b)) for a, b in pairs if b > a):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.stops = [b for _, b in merged]
        self.offsets = [0]  # members before each range
        for a, b in merged:
            self.offsets.append(self.offsets[-1] + b - a)

    def __len__(self) -> int:
        return self.offsets[-1]

    def __iter__(self):
        """The members in order (a handout of one sample's events reads them all)."""
        for a, b in zip(self.starts, self.stops, strict=True):
            yield from range(a, b)

    def __contains__(self, i) -> bool:
        return self.position(i) is not None

    def at(self, p: int) -> int:
        """The p-th member (0-based)."""
        if not 0 <= p < len(self):
            raise IndexError(p)
        r = bisect_right(self.offsets, p) - 1
        return self.starts[r] + p - self.offsets[r]

    def position(self, i: int) -> int | None:
        """Where event i sits among the members, or None when it is not one."""
        r = bisect_right(self.starts, i) - 1
        if r < 0 or i >= self.stops[r]:
            return None
        return self.offsets[r] + i - self.starts[r]

    def first_from(self, i: int) -> int | None:
        """The first member >= i (None when there is none)."""
        r = bisect_right(self.starts, i) - 1
        if r >= 0 and i < self.stops[r]:
            return i
        return self.starts[r + 1] if r + 1 < len(self.starts) else None

    def next_after(self, i: int) -> int | None:
        return self.first_from(i + 1)

    def last_before(self, i: int) -> int | None:
        """The last member < i (None when there is none)."""
        r = bisect_right(self.starts, i - 1) - 1
        return min(i - 1, self.stops[r] - 1) if r >= 0 else None


class Strided:
    """index = base + s·stride + o, for s in `samples` (ascending), o in `offsets` (ascending,
    each < stride): one block of events per sample, samples in order."""

    __slots__ = ("base", "stride", "samples", "offsets")

    def __init__(self, base: int, stride: int, samples: range, offsets: np.ndarray):
        self.base, self.stride, self.samples = int(base), int(stride), samples
        self.offsets = np.asarray(offsets, dtype=np.int64)  # (m,) ascending

    def __len__(self) -> int:
        return len(self.samples) * len(self.offsets)

    def at(self, p: int) -> int:
        q, o = divmod(p, len(self.offsets))
        return self.base + self.samples[q] * self.stride + int(self.offsets[o])

    def position(self, i: int) -> int | None:
        s, rest = divmod(i - self.base, self.stride)
        if s not in self.samples:
            return None
        o = int(np.searchsorted(self.offsets, rest))
        if o >= len(self.offsets) or self.offsets[o] != rest:
            return None
        return self.samples.index(s) * len(self.offsets) + o


class Group:
    """Parts (Spans or Strided) one after the other: the events of one unit of one layer."""

    __slots__ = ("parts", "offsets")

    def __init__(self, parts: Iterable[Spans | Strided]):
        self.parts = [p for p in parts if len(p)]
        self.offsets = [0]
        for p in self.parts:
            self.offsets.append(self.offsets[-1] + len(p))

    def __len__(self) -> int:
        return self.offsets[-1]

    def at(self, p: int) -> int:
        if not 0 <= p < len(self):
            raise IndexError(p)
        k = bisect_right(self.offsets, p) - 1
        return self.parts[k].at(p - self.offsets[k])

    def position(self, i: int) -> int | None:
        for k, part in enumerate(self.parts):
            q = part.position(i)
            if q is not None:
                return self.offsets[k] + q
        return None
