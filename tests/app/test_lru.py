"""The one bounded store the explainer keeps its pictures, documents and lines in
(app/shared/lru.py): the least recently used goes first, a kept value is built once."""

from app.shared.lru import LRU


def test_the_least_recently_used_is_dropped_first():
    kept = LRU(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # a used again: b is now the oldest
    kept.put("c", 3)
    assert kept.get("b") is None and kept.get("a") == 1 and kept.get("c") == 3
    assert len(kept) == 2


def test_make_builds_once_and_drop_where_drops_only_matching_keys():
    kept, built = LRU(4), []

    def build(v):
        built.append(v)
        return v

    assert kept.make(("x", 1), lambda: build(10)) == 10
    assert kept.make(("x", 1), lambda: build(11)) == 10 and built == [10]
    kept.put(("y", 1), 20)
    kept.drop_where(lambda key: key[0] == "x")
    assert kept.get(("x", 1)) is None and kept.get(("y", 1)) == 20
    kept.clear()
    assert len(kept) == 0
