"""CSV import: inputs, then the target column(s) last. Read defensively (a regular file under a
size cap, rows and cells counted as they arrive) and said plainly: a file without a header row
is detected and its columns named, a target column of classes 0..K−1 becomes K one-hot outputs.
Every error names the line."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np

from engine.safe_io import UnreadableFile, read_text

from .datasets import Dataset
from .limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_CSV_FILE_BYTES,
    MAX_ROWS,
)

# a decimal number: sign, digits, fraction, exponent; not "nan", "inf", "1_000" or "0x10"
NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")


class CsvError(ValueError):
    """A CSV file that cannot be used; `line` is the 1-based line number (0 for the whole file)."""

    def __init__(self, path: str | Path, line: int, message: str):
        where = f"{Path(path).name}, line {line}" if line else Path(path).name
        super().__init__(f"{where}: {message}")
        self.line = line


def _is_number(cell: str) -> bool:
    return NUMBER.fullmatch(cell) is not None


def _rows(p: Path, text: str):
    """(line number, cells) of each non-blank row, with csv errors and long cells named."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise CsvError(p, reader.line_num, f"not readable as CSV ({e})") from None
        for c, cell in enumerate(row):
            if len(cell) > MAX_CELL_CHARS:
                raise CsvError(
                    p,
                    reader.line_num,
                    f"column {c + 1} is {len(cell):,} characters long; a number needs fewer "
                    f"than {MAX_CELL_CHARS}",
                )
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


class _Grower:
    """A float64 (rows, width) array filled row by row, doubling its capacity."""

    def __init__(self, width: int):
        self.width, self.n = width, 0
        self.buf = np.empty((256, width))

    def add(self, values: list[float]) -> None:
        if self.n == len(self.buf):
            self.buf = np.concatenate([self.buf, np.empty_like(self.buf)])
        self.buf[self.n] = values
        self.n += 1

    def array(self) -> np.ndarray:
        return self.buf[: self.n]


def _values(p: Path, rows, header: list[str] | None, width: int) -> np.ndarray:
    out = _Grower(width)
    for line, row in rows:
        if len(row) != width:
            raise CsvError(
                p, line, f"expected {width} values (as in the first row), got {len(row)}"
            )
        if out.n >= MAX_ROWS:
            raise CsvError(p, line, f"more than {MAX_ROWS:,} data rows; the limit is {MAX_ROWS:,}")
        if (out.n + 1) * width > MAX_CELLS:
            raise CsvError(p, line, f"more than {MAX_CELLS:,} values; the limit is {MAX_CELLS:,}")
        for c, cell in enumerate(row):
            if not _is_number(cell):
                if cell.strip().lower() in _NONFINITE:
                    raise CsvError(p, line, f"column {c + 1} is not a finite number: {cell!r}")
                name = f" ({header[c].strip()!r})" if header else ""
                raise CsvError(p, line, f"column {c + 1}{name} is not a number: {cell!r}")
        values = [float(cell) for cell in row]
        if not all(abs(v) < float("inf") for v in values):
            raise CsvError(p, line, "a value is too large to be a finite number")
        out.add(values)
    return out.array()


_NONFINITE = {"nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}


def _targets(y: np.ndarray, name: str) -> tuple[np.ndarray, str, str]:
    """(targets, task, a note for the user or "") for the target column(s) `y`."""
    if np.all((y == 0) | (y == 1)):
        return y, "classification", ""
    whole = bool(np.all(y == np.round(y)))
    if y.shape[1] == 1 and whole:
        lo, hi = int(y.min()), int(y.max())
        labels = y[:, 0].astype(np.int64)
        k = hi + 1
        if lo == 0 and 3 <= k <= MAX_CLASSES and len(np.unique(labels)) == k:
            note = (
                f"the target column {name!r} holds the classes 0 to {hi}: "
                f"one-hot encoded into {k} outputs (classification)"
            )
            return np.eye(k)[labels], "classification", note
        note = (
            f"the target column {name!r} holds whole numbers from {lo} to {hi}: treated as "
            f"regression (to classify, number the classes 0, 1, 2, … up to {MAX_CLASSES - 1})"
        )
        return y, "regression", note
    return y, "regression", ""


def load_csv(path: str | Path, target_columns: int = 1) -> Dataset:
    """A CSV file, the last `target_columns` columns being the targets.

    The header row is optional: when the first row is all numbers it is data, and the columns are
    named x1..xn, y (the dataset's `notes` say so). Errors name the line: ragged rows, cells that
    are not numbers, an empty file, too many rows or columns.
    """
    p = Path(path)
    try:
        text = read_text(p, MAX_CSV_FILE_BYTES, "CSV file")
    except UnreadableFile as e:
        raise CsvError(p, 0, str(e)) from None
    rows = _rows(p, text)
    first = next(rows, None)
    if first is None:
        raise CsvError(p, 0, "the file is empty")
    line, head = first
    width = len(head)
    if width > MAX_COLUMNS:
        raise CsvError(p, line, f"{width:,} columns; the limit is {MAX_COLUMNS:,}")
    if width <= target_columns:
        raise CsvError(
            p,
            line,
            f"the first row has {width} columns; need at least "
            f"{target_columns + 1} (inputs, then {target_columns} target column(s))",
        )
    notes = []
    if all(_is_number(c) for c in head):  # no header row: the first row is data
        n_in = width - target_columns
        names = [f"x{i + 1}" for i in range(n_in)]
        names += ["y"] if target_columns == 1 else [f"y{k + 1}" for k in range(target_columns)]
        shown = names if width <= 6 else [names[0], "…", *names[n_in - 1 :]]
        notes.append(f"no header row: the columns are named {', '.join(shown)}")
        header, data_rows = None, _chain(first, rows)
    else:
        names = [h.strip() for h in head]
        header, data_rows = head, rows
    values = _values(p, data_rows, header, width)
    if not len(values):
        raise CsvError(p, 0, "the file has a header but no data rows")
    x, y = values[:, :-target_columns].copy(), values[:, -target_columns:].copy()
    y, task, note = _targets(y, names[-1] if target_columns == 1 else "targets")
    if note:
        notes.append(note)
    return Dataset(p.stem, x, y, task, tuple(names[:-target_columns]), tuple(notes))


def _chain(first, rest):
    yield first
    yield from rest
