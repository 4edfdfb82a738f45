"""Progress and scores per lesson, kept in the user data folder: a small JSON file written
atomically, read back leniently (a damaged or foreign file is an empty record, never an error the
learner has to deal with). What could not be read is not lost: the file is first copied beside
itself (lessons.damaged.json), and `kept_aside` names the copy for the window to say. The free
prediction mode's score is kept under the key "" ."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.atomic import atomic_write_bytes, keep_aside
from engine.safe_io import UnreadableFile, read_json

ENV_VAR = "BACKPROP_STUDIO_LESSONS"  # a progress file other than the user data folder's
MAX_PROGRESS_BYTES = 2**20
MAX_LESSONS = 1000  # records kept; a file with more is someone else's
FREE = ""  # the key of free stepping's prediction score


def default_path() -> Path:
    """$BACKPROP_STUDIO_LESSONS if set, else lessons.json in the per-user data folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("backprop-studio", appauthor=False)) / "lessons.json"


@dataclass
class Record:
    step: int = 0  # the step to resume at (0-based)
    right: int = 0  # answers right
    asked: int = 0  # questions answered (right or not)
    done: list[int] = field(default_factory=list)  # steps whose activity was answered


def _record(v) -> Record | None:
    if not isinstance(v, dict):
        return None
    nums = [v.get(k, 0) for k in ("step", "right", "asked")]
    done = v.get("done", [])
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 10**6 for n in nums):
        return None
    if not isinstance(done, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 10**6 for d in done
    ):
        return None
    if nums[1] > nums[2]:
        return None
    return Record(nums[0], nums[1], nums[2], sorted(set(done)))


class Progress:
    """Every lesson's record; `save()` writes the file (its folder is made when missing)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.records: dict[str, Record] = {}
        self.kept_aside: Path | None = None  # the copy of a file not read whole
        try:
            raw = read_json(self.path, MAX_PROGRESS_BYTES, "progress file")
        except (UnreadableFile, OSError):
            raw = None
        whole = isinstance(raw, dict) and len(raw) <= MAX_LESSONS
        for name, v in raw.items() if whole else ():
            rec = _record(v)
            whole &= isinstance(name, str) and rec is not None
            if isinstance(name, str) and rec is not None:
                self.records[name] = rec
        if not whole and self.path.is_file() and self.path.stat().st_size:
            self.kept_aside = keep_aside(self.path, move=False)

    def get(self, name: str) -> Record:
        return self.records.setdefault(name, Record())

    def answered(self, name: str, step: int, right: bool) -> None:
        rec = self.get(name)
        rec.asked += 1
        rec.right += bool(right)
        if step >= 0 and step not in rec.done:
            rec.done = sorted([*rec.done, step])

    def reset(self, name: str | None = None) -> None:
        """Forget one lesson's record, or every one's."""
        if name is None:
            self.records.clear()
        else:
            self.records.pop(name, None)

    def save(self) -> None:
        """Write the file atomically; an OSError says why it could not be."""
        data = {k: asdict(v) for k, v in self.records.items()}
        atomic_write_bytes(self.path, json.dumps(data, indent=1).encode(), make_folder=True)


__all__ = ["ENV_VAR", "FREE", "Progress", "Record", "default_path"]
