"""A run as the store lists it. A row changed by another program still lists (it had hidden every
run, so none could be deleted, or stopped the trainer from starting): settings that cannot be
read make the run `unreadable`, its settings are asked for only where they are needed
(`config`, which then refuses in one sentence), a text column written as bytes reads as
text, and a number column holding text reads as none."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .store_file import RunStoreError

if TYPE_CHECKING:
    from .training import TrainConfig

UNREADABLE = "its settings cannot be read (the file was changed by another program)"


@dataclass(frozen=True)
class RunRow:
    id: int  # the run's number in the store
    name: str  # a name a person gave or the default one
    kind: str  # one of RUN_KINDS
    group_id: str | None  # shared by the runs of one sweep
    group_label: str | None  # e.g. "lr=0.01"
    settings: dict[str, Any]  # asdict of the run's TrainConfig
    status: str  # one of STATUSES
    created: float  # Unix time the run was created
    finished: float | None  # Unix time it ended (None: running or interrupted)
    final: dict[str, Any]  # final figures: test_accuracy, test_loss, steps, epochs, ...
    checkpoint: str | None  # path of its saved weights
    pid: int | None  # the process that wrote it
    host: str | None  # the machine that process ran on
    path: str = field(default="", compare=False)  # the store it is in (for a message)

    @property
    def config(self) -> TrainConfig:
        """The settings the run was made with; RunStoreError where they cannot be read."""
        from .checkpoint import config_from_dict

        try:
            return config_from_dict(self.settings)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise RunStoreError(
                f"run {self.id} in {self.path}: {UNREADABLE}; delete that run or restore the file"
            ) from None

    @property
    def summary(self) -> str:
        """One line of the settings that tell runs apart (settings.describe_run)."""
        from .settings import describe_run

        try:
            return describe_run(self.kind, self.config, self.final)
        except (RunStoreError, KeyError, TypeError, ValueError, AttributeError):
            return UNREADABLE


def _text(v) -> Any:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def _shown(name: str) -> str:
    """A name as it can be shown: a control character (a NUL written by another program) is
    replaced, so a table or a label is not cut at it; every other character is kept."""
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in name)


def _number(v, whole: bool = False):
    """A number column as written by the store, else None (text written by another program)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return v if not whole or isinstance(v, int) else None


def _object(text) -> dict:
    try:
        v = json.loads(text) if isinstance(text, str | bytes) else None
    except (ValueError, RecursionError):
        return {}
    return v if isinstance(v, dict) else {}


def row_from(r: sqlite3.Row, path: Path) -> RunRow:
    d = {k: _text(v) for k, v in dict(r).items()}
    d["name"] = _shown(str(d["name"])) if d["name"] is not None else f"run {d['id']}"
    if isinstance(d["group_label"], str):
        d["group_label"] = _shown(d["group_label"])
    d["settings"], d["final"] = _object(d["settings"]), _object(d["final"] or "{}")
    d["created"] = _number(d["created"]) or 0.0
    d["finished"], d["pid"] = _number(d["finished"]), _number(d["pid"], whole=True)
    return RunRow(**d, path=str(path))
