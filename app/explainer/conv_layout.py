"""Where the image drawing puts its columns and grids (Qt-free, so painting and hit-testing share
it): one cell size for the maps that fits the window, at least SMALL_CELL for filters and dense
layers, and a column of maps too tall for the window split into sub-columns when that draws it
larger."""

from __future__ import annotations

from .conv_state import Column

GAP = 14.0  # between grids of one column
COL_GAP = 34.0  # between columns (less in a drawing too narrow for it: col_gap)
MIN_GAP = 8.0  # px between columns at least
TITLE = 46.0  # room for a column's title (two lines)
LABEL = 16.0  # room for a grid's label
MAX_CELL = 200.0  # a few cells fill a lecturer's wall
SMALL_CELL = 44.0  # a filter's or a dense layer's cells are never smaller (if they fit)
MAX_SPLIT = 3  # sub-columns a column of maps may be drawn as
MIN_MAP_CELL = 4.0  # px: below this a column of maps is split into sub-columns
SUB_GAP = 10.0  # between sub-columns
MIN_COL = 60.0  # px: a column is never narrower (its title)
MIN_CELL = 1.0  # px: cells this small still draw every map shown inside the drawing


def _per(c: Column, height: float, label: float = LABEL) -> int:
    """Grids per sub-column: a column of maps too tall for the window is drawn as two (or
    more) columns side by side rather than with cells too small to see."""
    n = len(c.grids)
    for k in range(1, MAX_SPLIT + 1):
        per = -(-n // k)
        if c.small or _rows_limit(c, height, per, label) >= MIN_MAP_CELL or per == 1:
            return per
    return -(-n // MAX_SPLIT)


def _rows_limit(c: Column, height: float, per: int | None = None, label: float = LABEL) -> float:
    grids = c.grids[: per or len(c.grids)]
    rows = sum(g.values.shape[0] for g in grids)
    room = height - title_room(label) - 2 * label - 18 - len(grids) * (GAP + label)
    return min(MAX_CELL, room / max(rows, 1))


def col_gap(n: int, width: float) -> float:
    """The gap between a drawing's n columns: COL_GAP, or less where n columns at their
    least width (MIN_COL) and those gaps would run past the drawing's edge."""
    return max(MIN_GAP, min(COL_GAP, (width - MIN_COL * n) / (n + 1)))


def title_room(label: float = LABEL) -> float:
    """The height kept for a column's title (two lines) when a label is `label` pixels."""
    return max(TITLE, 2.6 * (label - 6))


def layout(cols, width: float, height: float, label: float = LABEL):
    """(cell size, width, grids per sub-column) per column: maps share one cell size that
    fits the window; filters and dense layers (small) get at least SMALL_CELL so their
    numbers stay readable. Tall columns of maps are split when that draws them larger, and a
    column with room below it grows into the width left over. `label`: a grid label's height
    (the caption under the drawing is one such line)."""
    whole = _fit(cols, width, height, [len(c.grids) for c in cols], label)
    split = _fit(cols, width, height, [_per(c, height, label) for c in cols], label)
    room = width - col_gap(len(cols), width) * (len(cols) + 1)

    def fits(out):
        return sum(width for _, width, _ in out) <= room + 1

    def maps_cell(out):
        return min((size for (size, _, _), c in zip(out, cols, strict=True) if not c.small),
                   default=0.0)  # fmt: skip

    def too_tall(out):  # a column whose cells were kept at 3 px: its last maps fall off
        return any(size > _rows_limit(c, height, per, label) + 0.5
                   for (size, _, per), c in zip(out, cols, strict=True))  # fmt: skip

    better = not fits(whole) or too_tall(whole) or maps_cell(split) > maps_cell(whole)
    if fits(split) and better:
        return split
    return whole


def _fit(cols, width: float, height: float, pers: list[int], label: float):
    subs = [-(-len(c.grids) // per) for c, per in zip(cols, pers, strict=True)]
    wide = [max((g.values.shape[1] for g in c.grids), default=1) * k
            for c, k in zip(cols, subs, strict=True)]  # fmt: skip
    small = [c.small for c in cols]
    gap = col_gap(len(cols), width)
    room = width - gap * (len(cols) + 1) - SUB_GAP * (sum(subs) - len(cols))
    cell = room / max(sum(wide), 1)  # one cell size for every column, if that reads well
    if cell < SMALL_CELL and not all(small):  # else small columns keep SMALL_CELL
        for c, w, sm in zip(cols, wide, small, strict=True):
            if sm:
                room -= max(w * min(_rows_limit(c, height, None, label), SMALL_CELL), MIN_COL)
        cell = room / max(sum(w for w, sm in zip(wide, small, strict=True) if not sm), 1)
    out = []
    for c, w, sm, per, k in zip(cols, wide, small, pers, subs, strict=True):
        size = _rows_limit(c, height, per, label)
        size = min(size, max(cell, SMALL_CELL)) if sm else min(size, cell)
        size = max(MIN_CELL, size)
        out.append((size, max(w * size + SUB_GAP * (k - 1), MIN_COL), per))
    room = width - col_gap(len(cols), width) * (len(cols) + 1)
    for _ in range(4):  # the titles' minimum widths pushed it past the edge: shrink the cells
        fixed = sum(width for _, width, _ in out if width <= MIN_COL)
        free = sum(width for _, width, _ in out if width > MIN_COL)
        if fixed + free <= room + 0.5 or free <= 0:
            break
        f = max(room - fixed, 1.0) / free
        out = [_column_at(max(MIN_CELL, size * f), w, k, per) if width > MIN_COL else
               (size, width, per)
               for (size, width, per), w, k in zip(out, wide, subs, strict=True)]  # fmt: skip
    return _grow(cols, out, wide, width - gap * (len(cols) + 1), height, label)


def _column_at(size: float, wide: float, subs: int, per: int) -> tuple[float, float, int]:
    """A column's (cell size, width as drawn, grids per sub-column) at cell size `size`."""
    return size, max(wide * size + SUB_GAP * (subs - 1), MIN_COL), per


def _grow(cols, out, wide, room: float, height: float, label: float):
    """The width left over goes to the columns of maps that have room below them (up to their
    height's limit), equally in cell size: a single input image no longer sits small above
    empty space while a tall column of maps sets everyone's cell."""
    for _ in range(4):
        left = room - sum(width for _, width, _ in out)
        grow = [i for i, ((size, _, per), c) in enumerate(zip(out, cols, strict=True))
                if not c.small and size < _rows_limit(c, height, per, label) - 0.5]  # fmt: skip
        if left < 1 or not grow:
            break
        step = left / sum(wide[i] for i in grow)
        for i in grow:
            size, width, per = out[i]
            new = min(size + step, _rows_limit(cols[i], height, per, label))
            out[i] = (new, width + (new - size) * wide[i], per)
    return out


def spots(col: Column, x: float, cell: float, per: int, label: float = LABEL):
    """(grid, left, top of its cells) of each grid of a column, as painted and hit-tested."""
    sub_w = max((g.values.shape[1] for g in col.grids), default=1) * cell + SUB_GAP
    for k, g in enumerate(col.grids):
        if k % per == 0:
            y = title_room(label) + 8
        left = x + (k // per) * sub_w
        yield g, left, y + label
        y += label + g.values.shape[0] * cell + GAP
