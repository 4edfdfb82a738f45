"""Strict readers for the fields of a network file: each returns the value or raises a
NetworkFileError naming the field. A boolean is a boolean ("no" is not), a whole number is an int
(2.0 is not), a number is finite and inside its stated range, text is text of bounded length."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .limits import MAX_CELLS, MAX_TEXT_CHARS

MAX_SEED = 2**63 - 1  # seeds are unsigned 64-bit for NumPy's generators; we keep them signed-safe


class Field(str):
    """A network file's field as the file writes it ('layers[1].weights[0][2]'), keeping its parts:
    the layer index (None outside `layers`) and the key in that layer ('weights'), or the whole
    name outside `layers` ('optimizer.lr'). Built by `layer_field` and `at`, never parsed."""

    layer: int | None
    key: str

    def __new__(cls, text: str, layer: int | None = None, key: str | None = None):
        self = super().__new__(cls, text)
        self.layer, self.key = layer, text if key is None and layer is None else (key or "")
        return self


def layer_field(k: int) -> Field:
    """The field of the whole layer k: 'layers[k]'."""
    return Field(f"layers[{k}]", k, "")


def at(where: str, tail: str) -> str:
    """`where` followed by `tail` ('.units', '[2]'): a layer's field keeps its layer, and its key
    is the first name after the layer ('layers[1]' + '.weights' -> key 'weights')."""
    if not isinstance(where, Field) or where.layer is None:
        return where + tail
    key = where.key or (tail[1:].split("[")[0].split(".")[0] if tail.startswith(".") else "")
    return Field(where + tail, where.layer, key)


class NetworkFileError(ValueError):
    """A network file that cannot be used. `field` names where, e.g. 'layers[1].weights', and
    keeps its parts (`layer`, `key`) for whoever shows the error beside its field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}" if field_name else message)
        self.field = field_name
        self.message = message
        self.layer: int | None = getattr(field_name, "layer", None)  # None: not a layer's field
        self.key: str = getattr(field_name, "key", field_name)  # the layer's key, or the name


JSON_KINDS = {type(None): "null", list: "a list [...]", str: "text", bool: "true or false",
              int: "a number", float: "a number"}  # fmt: skip


def describe(v: Any) -> str:
    """A short description of a wrong value, never thousands of characters."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**18:
        return f"an integer of about {int(v.bit_length() * 0.30103) + 1} digits"
    text = repr(v)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text):,} characters)"


def number(
    v: Any,
    where: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite number (int or float, never a bool) within [low, high] (open ends on request)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise NetworkFileError(where, f"expected a number, got {describe(v)}")
    try:
        x = float(v)
    except OverflowError:
        raise NetworkFileError(where, f"{describe(v)} is too large for a number") from None
    if not math.isfinite(x):
        raise NetworkFileError(where, f"expected a finite number, got {describe(v)}")
    if low is not None and (x < low or (low_open and x == low)):
        side = "above" if low_open else "at least"
        raise NetworkFileError(where, f"must be {side} {low:g}, got {describe(v)}")
    if high is not None and (x > high or (high_open and x == high)):
        side = "below" if high_open else "at most"
        raise NetworkFileError(where, f"must be {side} {high:g}, got {describe(v)}")
    return x


def whole(v: Any, where: str, low: int = 0, high: int | None = None) -> int:
    """A whole number (a JSON integer, not 2.0 and not true) within [low, high]."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise NetworkFileError(where, f"expected a whole number, got {describe(v)}")
    if v < low:
        raise NetworkFileError(where, f"must be at least {low}, got {describe(v)}")
    if high is not None and v > high:
        raise NetworkFileError(where, f"must be at most {high:,}, got {describe(v)}")
    return v


def seed(v: Any, where: str) -> int:
    return whole(v, where, 0, MAX_SEED)


def boolean(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise NetworkFileError(where, f"expected true or false, got {describe(v)}")
    return v


def text(v: Any, where: str) -> str:
    if not isinstance(v, str):
        raise NetworkFileError(where, f"expected text, got {describe(v)}")
    if len(v) > MAX_TEXT_CHARS:
        raise NetworkFileError(where, f"is {len(v):,} characters; at most {MAX_TEXT_CHARS:,}")
    return v


def keys(obj: Any, where: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(obj, dict):
        what = JSON_KINDS.get(type(obj), type(obj).__name__)
        whole = "the file must be" if not where else "expected"  # it read "got NoneType"
        raise NetworkFileError(where, f"{whole} a JSON object ({{…}}), not {what}")
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        raise NetworkFileError(
            at(where, f".{unknown[0]}") if where else str(unknown[0]),
            f"unknown key; allowed here: {', '.join(allowed)}"
            if allowed
            else "no key is allowed here",
        )
    return obj


def choice(v: Any, where: str, options) -> str:
    if not isinstance(v, str) or v not in options:
        raise NetworkFileError(
            where, f"unknown name {describe(v)}; choose one of: {', '.join(options)}"
        )
    return v


def _row_error(row: Any, where: str, cols: int) -> NetworkFileError:
    if not isinstance(row, list) or len(row) != cols:
        return NetworkFileError(where, f"expected {cols} numbers, got {describe(row)}")
    for i, x in enumerate(row):
        number(x, at(where, f"[{i}]"))  # raises for the first bad cell
    return NetworkFileError(where, "expected finite numbers")


def matrix(v: Any, where: str, rows: int, cols: int) -> np.ndarray:
    """A (rows, cols) float64 array from a list of lists of finite numbers."""
    if not isinstance(v, list) or len(v) != rows:
        got = f"{len(v)} rows" if isinstance(v, list) else describe(v)
        raise NetworkFileError(where, f"expected {rows} rows of {cols} numbers, got {got}")
    if rows * cols > MAX_CELLS:
        raise NetworkFileError(where, f"{rows * cols:,} numbers is over the limit of {MAX_CELLS:,}")
    ok = (int, float)
    for j, row in enumerate(v):
        if (
            not isinstance(row, list)
            or len(row) != cols
            or not all(type(x) in ok for x in row)  # excludes bool, whose type is bool
        ):
            raise _row_error(row, at(where, f"[{j}]"), cols)
    try:
        arr = np.array(v, dtype=np.float64).reshape(rows, cols)
    except OverflowError:
        arr = None
    if arr is None or not np.isfinite(arr).all():
        for j, row in enumerate(v):
            for i, x in enumerate(row):
                number(x, at(where, f"[{j}][{i}]"))
    return arr


def as_tuples(arr: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(r) for r in arr.tolist())


def vector(v: Any, where: str, n: int) -> tuple[float, ...]:
    if not isinstance(v, list) or len(v) != n:
        raise NetworkFileError(where, f"expected a list of {n} numbers, got {describe(v)}")
    return tuple(number(x, at(where, f"[{i}]")) for i, x in enumerate(v))
