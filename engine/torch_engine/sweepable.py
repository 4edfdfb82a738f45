"""The settings a sweep may vary, one at a time: each one's name, the command line's word for it,
its range, how its values are typed and read, and how a value changes a config (only that
setting: the seed, and so the initial weights where the shapes allow and the data order, stay).

Values are separated by `;` or spaces, and by `,` too except for the MLP's hidden sizes, where
`,` joins one value's layer sizes: "256; 256,128; 64,64,64,64" (or "256 256,128 64,64,64,64").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .optim import OPTIMIZER_NAMES
from .subset import MIN_TRAIN_SIZE

MAX_SWEEP_VALUES = 12  # values in one sweep (each is a whole training run)
MAX_REPEATS = 10  # seeds per value
MAX_RUNS = 60  # values times repeats in one sweep
MAX_LR = 10.0
MAX_BATCH = 60_000
MAX_SAMPLES = 60_000
MAX_HIDDEN_LAYERS, MAX_UNITS = 8, 4096
MIN_WIDTH, MAX_WIDTH = 0.25, 4.0
BOOL_WORDS = {"off": False, "on": True, "false": False, "true": True, "no": False, "yes": True}
BOOL_WORDS |= {"0": False, "1": True}
WHOLE = re.compile(r"[+-]?[0-9]+")  # a whole number as typed


def shown(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def number_field(form: dict, errors: dict, name: str, lo: float, hi: float, integer=False):
    """A finite number in [lo, hi] (an integer when asked), else an error beside the field."""
    v = form.get(name)
    typed = v.strip() if isinstance(v, str) else None
    if typed is not None:
        try:
            v = float(typed) if typed else None
        except ValueError:
            v = None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        errors[name] = "must be a number" + (" (a whole number)" if integer else "")
        return None
    if integer and v != int(v):
        errors[name] = "must be a whole number"
        return None
    if not lo <= v <= hi:
        errors[name] = f"must be between {shown(lo)} and {shown(hi)}"
        return None
    if integer and typed is not None and not WHOLE.fullmatch(typed):
        # typed as one, "3", not "3.0" or "3e3" (as a network file's integers)
        errors[name] = f"must be a whole number written with digits, like {int(v)}"
        return None
    return int(v) if integer else float(v)


@dataclass(frozen=True)
class Setting:
    name: str  # the key: sweep_values' param, Job.param
    cli: str  # the command line's word for it
    label: str  # for a list of settings
    kind: str  # "float" | "int" | "bool" | "choice" | "sizes"
    range_text: str  # its range in one phrase
    read: Callable[[str], tuple[Any, str]]  # one typed value -> (value, "") or (None, problem)
    apply: Callable[[Any, Any], Any]  # (TrainConfig, value) -> TrainConfig
    models: tuple[str, ...] = ()  # the models it applies to (() = every model)


def _num(lo, hi, integer=False, above_zero=False):
    def read(cell: str):
        e: dict[str, str] = {}
        v = number_field({"v": cell}, e, "v", lo, hi, integer)
        if v == 0 and above_zero:
            e["v"] = "must be above 0 (nothing would be learned)"
        return (None, e["v"]) if e else (v, "")

    return read


def _bool(cell: str):
    v = BOOL_WORDS.get(cell.strip().lower())
    return (None, "must be on or off") if v is None else (v, "")


def _optimizer(cell: str):
    c = cell.strip().lower()
    return (
        (c, "") if c in OPTIMIZER_NAMES else (None, f"choose one of {', '.join(OPTIMIZER_NAMES)}")
    )


def _sizes(cell: str):
    parts = [p.strip() for p in cell.split(",")]
    if not 1 <= len(parts) <= MAX_HIDDEN_LAYERS:
        return None, f"must be 1 to {MAX_HIDDEN_LAYERS} layer sizes joined by commas"
    out = []
    for p in parts:
        e: dict[str, str] = {}
        v = number_field({"v": p}, e, "v", 1, MAX_UNITS, integer=True)
        if e:
            return None, f"each layer size {e['v']}"
        out.append(v)
    return tuple(out), ""


def _model(cfg, **changes):
    return replace(cfg, model=replace(cfg.model, **changes))


_SETTINGS = (
    Setting("lr", "lr", "Learning rate", "float", "above 0 up to 10",
            _num(0, MAX_LR, above_zero=True), lambda c, v: replace(c, lr=float(v))),
    Setting("batch_size", "batch-size", "Batch size", "int", "1 to 60,000",
            _num(1, MAX_BATCH, integer=True), lambda c, v: replace(c, batch_size=int(v))),
    Setting("dropout", "dropout", "Dropout", "float", "0 to 0.95, mlp only",
            _num(0, 0.95), lambda c, v: _model(c, dropout=float(v)), ("mlp",)),
    Setting("weight_decay", "l2", "L2 (weight decay)", "float", "0 to 1",
            _num(0, 1), lambda c, v: replace(c, weight_decay=float(v))),
    Setting("augment", "augment", "Augmentation", "bool", "off, on",
            _bool, lambda c, v: replace(c, augment=bool(v))),
    Setting("train_size", "train-size", "Training-set size", "int",
            f"{MIN_TRAIN_SIZE} to 60,000 digits", _num(MIN_TRAIN_SIZE, MAX_SAMPLES, integer=True),
            lambda c, v: replace(c, train_size=int(v))),
    Setting("optimizer", "optimizer", "Optimizer", "choice", " | ".join(OPTIMIZER_NAMES),
            _optimizer, lambda c, v: replace(c, optimizer=str(v))),
    Setting("hidden", "hidden", "MLP hidden sizes", "sizes",
            f"1 to {MAX_HIDDEN_LAYERS} sizes of 1 to {MAX_UNITS:,}, e.g. 256; 256,128; 64,64,64,64 (mlp only)",
            _sizes, lambda c, v: _model(c, hidden=tuple(int(x) for x in v)), ("mlp",)),
    Setting("width", "width", "CNN width multiplier", "float", "0.25 to 4, lenet and fast-cnn only",
            _num(MIN_WIDTH, MAX_WIDTH), lambda c, v: _model(c, width=float(v)),
            ("lenet", "fast-cnn")),
)  # fmt: skip
SWEEPABLE: dict[str, Setting] = {s.name: s for s in _SETTINGS}
_WORDS = {s.cli: s.name for s in _SETTINGS} | {s.name: s.name for s in _SETTINGS}
_WORDS |= {"weight-decay": "weight_decay", "batch": "batch_size", "train_size": "train_size"}


def setting_for(word: str) -> str | None:
    """The setting's key for a CLI word or key ("l2" -> "weight_decay"), None if none."""
    return _WORDS.get(str(word).strip().lower()) if isinstance(word, str) else None


def settings_text() -> str:
    """Every setting with its range, for a message: 'lr (above 0 up to 10), ...'."""
    return "; ".join(f"{s.cli} ({s.range_text})" for s in _SETTINGS)


def split_values(name: str, text: str) -> list[str]:
    """The typed values: split at ; and spaces, and at commas except for hidden sizes."""
    text = str(text).strip()
    if name == "hidden":
        return re.split(r"\s*;\s*|\s+", re.sub(r"\s*,\s*", ",", text))
    return re.split(r"\s*[,;]\s*|\s+", text)


def parse_values(name: str, text: str, model: str | None = None) -> tuple[tuple, str]:
    """A sweep's values: (values, "") or ((), the problem in one phrase naming the range)."""
    s = SWEEPABLE.get(name)
    if s is None:
        return (), f"choose one of: {settings_text()}"
    if model is not None and s.models and model not in s.models:
        return (), f"{s.cli} applies to {' and '.join(s.models)} only, not {model}"
    cells = split_values(name, text)
    if len(cells) > MAX_SWEEP_VALUES:
        return (), f"{len(cells)} values is over the limit of {MAX_SWEEP_VALUES}"
    values = []
    for i, cell in enumerate(cells, 1):
        v, why = s.read(cell)
        if why:
            return (), f"value {i} ({cell.strip()[:20]!r}) {why}; {s.cli} takes {s.range_text}"
        values.append(v)
    if len(set(values)) != len(values):
        return (), "each value once (the same run twice shows nothing new)"
    return tuple(values), ""


def apply(cfg, name: str, value):
    """`cfg` with only the setting `name` set to `value` (a TrainConfig)."""
    return SWEEPABLE[name].apply(cfg, value)


def value_text(name: str, value) -> str:
    """A value as a label or an axis shows it: "0.001", "on", "256,128", "2x", "1000"."""
    if name == "augment":
        return "on" if value else "off"
    if name == "hidden":
        return ",".join(str(int(v)) for v in value)
    if name == "width":
        return f"{value:g}x"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
