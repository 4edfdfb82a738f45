"""MNIST's common CSV form (mnist_train.csv, mnist_test.csv): a label then 784 pixels per row,
read strictly: any bad line is a MnistError naming the file, the line and the cell."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .mnist import MnistError, _read

MAX_CSV_BYTES = 256 * 2**20  # one MNIST CSV file: mnist_train.csv is about 110 MB
MAX_CSV_ROWS = 100_000  # data rows in one MNIST CSV file: the 60,000 training rows fit
MAX_CSV_LINE_CHARS = 10_000  # one CSV line: 785 cells of "255," need 3,140 characters


_PLAIN_NUMBER = re.compile(r"\s*[+-]?[0-9]+(\.[0-9]*)?\s*\Z")  # "7", " 255", "3.0"


def _cell(text: str, where: str, k: int) -> int:
    """One CSV cell as a whole number, or a MnistError saying what is wrong with it."""
    shown = repr(text.strip()[:20])
    what = "the label" if k == 0 else f"pixel {k}"
    try:
        v = float(text)
    except ValueError:
        raise MnistError(f"{where}: {what} ({shown}) is not a number") from None
    if not math.isfinite(v):
        raise MnistError(f"{where}: {what} ({shown}) is not a finite number")
    if v != int(v) or not _PLAIN_NUMBER.match(text):
        raise MnistError(f"{where}: {what} ({shown}) is not a plain whole number")
    return int(v)


def _csv_row(line: str, where: str) -> list[int]:
    """A data line: a label 0-9 and 784 pixels 0-255, or a MnistError naming what is wrong."""
    if len(line) > MAX_CSV_LINE_CHARS:
        raise MnistError(
            f"{where} has {len(line):,} characters; the limit is {MAX_CSV_LINE_CHARS:,}"
        )
    cells = line.split(",")
    if len(cells) != 785:
        raise MnistError(f"{where}: expected 785 values (label + 784 pixels), got {len(cells)}")
    try:
        vals = [int(c) for c in cells] if line.isascii() and "_" not in line else None
    except ValueError:
        vals = None
    if vals is None:  # the slow path finds the bad cell and says what is wrong with it
        vals = [_cell(c, where, k) for k, c in enumerate(cells)]
    if not 0 <= vals[0] <= 9:
        raise MnistError(f"{where}: the label is {vals[0]}; labels are 0-9")
    if min(vals[1:]) < 0 or max(vals[1:]) > 255:
        k = next(k for k, v in enumerate(vals[1:], 1) if not 0 <= v <= 255)
        raise MnistError(f"{where}: pixel {k} is {vals[k]}; pixels are 0-255")
    return vals


def _is_header(line: str) -> bool:
    """A first line whose first cell is not a number is a header; a numeric one is data."""
    try:
        float(line.split(",")[0])
    except ValueError:
        return True
    return False


def load_mnist_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The common CSV form: label then 784 pixel values (0-255) per row; a header row (a first
    line whose first cell is not a number) is skipped. Any bad line is a MnistError naming it."""
    p = Path(path)
    lines = _read(p, MAX_CSV_BYTES, text=True).splitlines()
    if len(lines) > MAX_CSV_ROWS + 1:
        raise MnistError(f"{p.name} has {len(lines):,} lines; the limit is {MAX_CSV_ROWS:,} rows")
    rows = np.empty((len(lines), 785), np.uint8)  # (lines, label + 784 pixels)
    n = 0
    for no, line in enumerate(lines, 1):
        if not line.strip() or (n == 0 and no == 1 and _is_header(line)):
            continue
        rows[n] = _csv_row(line, f"{p.name}, line {no}")
        n += 1
    if not n:
        raise MnistError(f"{p.name} has no data rows")
    return rows[:n, 1:].reshape(-1, 28, 28).copy(), rows[:n, 0].copy()
