"""A bounded store of things kept between key presses (pictures, documents, broken lines): at most
`limit` values by key, the least recently used dropped first. One implementation for every such
store of the explainer, instead of a hand-written eviction in each."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    def __init__(self, limit: int):
        self.limit = limit
        self._d: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        """The value kept for `key` (now the most recently used), or None."""
        if key not in self._d:
            return None
        self._d.move_to_end(key)
        return self._d[key]

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` for `key`, dropping the least recently used beyond the limit."""
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.limit:
            self._d.popitem(last=False)
        return value

    def make(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value kept for `key`, or `build()` kept now."""
        hit = self.get(key)
        return self.put(key, build()) if hit is None else hit

    def drop_where(self, pred: Callable[[Hashable], bool]) -> None:
        """Drop every value whose key `pred` holds for."""
        for key in [k for k in self._d if pred(k)]:
            del self._d[key]

    def drop_value(self, value: V) -> None:
        """Drop every key that keeps this very object (one changed in place: its key is stale)."""
        for key in [k for k, v in self._d.items() if v is value]:
            del self._d[key]

    def clear(self) -> None:
        self._d.clear()

    def __len__(self) -> int:
        return len(self._d)
