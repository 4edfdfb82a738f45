"""The ids of what an event touches, in one place: the view highlights by these.

Each id is a small typed value built here and nowhere else: its text (what the trace's JSON, the
lessons and the view's dictionaries use, so `"n1_0" == NodeId(1, 0)`) and its parts, read as
attributes (`NodeId(1, 0).l`); nobody parses the text back.

Dense nets: node "n{l}_{j}" (layer 0 = inputs), edge "w{l}_{j}_{i}" (from unit i of layer l−1
into unit j of layer l), bias "b{l}_{j}", and "loss". Image layers: cell "c{l}_{ch}_{y}_{x}" of
layer l's map (layer 0 = the input image), filter weight "k{l}_{f}_{ch}_{i}_{j}", filter bias
"kb{l}_{f}". The map drawing's grids (GridId): "c{l}_{ch}" (one channel of a map), "n{l}" (a
dense layer), "k{l}_{f}_{ch}" (one channel of a filter), "t" (a long sum's terms), "read{l}" (the
value a dense weight after a flatten multiplies); a grid's cell that is no trace id: GridCellId.
"""

from __future__ import annotations

from functools import lru_cache

LOSS = "loss"


class Id(str):
    """A typed id: a str (its text) that keeps its parts, read-only. Each kind's __new__ writes
    its text with an f-string (ids are made by the thousand as events are read)."""

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def parts(self) -> tuple:
        return self.__dict__["_p"]

    def __getnewargs__(self):  # pickled (to and from the training child) by its parts
        return self.__dict__["_p"]


def _new(cls, text: str, parts: tuple[int, ...]):
    self = str.__new__(cls, text)
    self.__dict__["_p"] = parts
    return self


def _part(k: int, doc: str) -> property:
    return property(lambda self: self.__dict__["_p"][k], doc=doc)


class NodeId(Id):
    """Unit j of layer l (layer 0: the inputs)."""

    def __new__(cls, l: int, j: int):
        return _new(cls, f"n{l}_{j}", (l, j))

    l, j = _part(0, "layer"), _part(1, "unit")


class EdgeId(Id):
    """The weight from unit i of layer l−1 into unit j of layer l."""

    def __new__(cls, l: int, j: int, i: int):
        return _new(cls, f"w{l}_{j}_{i}", (l, j, i))

    l, j, i = _part(0, "layer"), _part(1, "unit into"), _part(2, "unit from")


class BiasId(Id):
    """The bias of unit j of layer l."""

    def __new__(cls, l: int, j: int):
        return _new(cls, f"b{l}_{j}", (l, j))

    l, j = _part(0, "layer"), _part(1, "unit")


class CellId(Id):
    """Cell (y, x) of channel ch of layer l's map (layer 0: the input image)."""

    def __new__(cls, l: int, ch: int, y: int, x: int):
        return _new(cls, f"c{l}_{ch}_{y}_{x}", (l, ch, y, x))

    l, ch, y, x = _part(0, "layer"), _part(1, "channel"), _part(2, "row"), _part(3, "column")

    @property
    def grid(self) -> str:
        """The map drawing's grid this cell is drawn in."""
        return map_grid(self.l, self.ch)


class KernelId(Id):
    """Weight (i, j) of filter f's channel ch, in conv layer l."""

    def __new__(cls, l: int, f: int, ch: int, i: int, j: int):
        return _new(cls, f"k{l}_{f}_{ch}_{i}_{j}", (l, f, ch, i, j))

    l, f, ch = _part(0, "layer"), _part(1, "filter"), _part(2, "channel")
    i, j = _part(3, "row"), _part(4, "column")


class KernelBiasId(Id):
    """The bias of filter f of conv layer l."""

    def __new__(cls, l: int, f: int):
        return _new(cls, f"kb{l}_{f}", (l, f))

    l, f = _part(0, "layer"), _part(1, "filter")


def node(l: int, j: int) -> NodeId:
    return NodeId(l, j)


def edge(l: int, j: int, i: int) -> EdgeId:
    return EdgeId(l, j, i)


def bias_id(l: int, j: int) -> BiasId:
    return BiasId(l, j)


def cell(l: int, ch: int, y: int, x: int) -> CellId:
    return CellId(l, ch, y, x)


def kernel(l: int, f: int, ch: int, i: int, j: int) -> KernelId:
    return KernelId(l, f, ch, i, j)


def kernel_bias(l: int, f: int) -> KernelBiasId:
    return KernelBiasId(l, f)


MAP, UNITS, FILTER, TERMS, READ = "map", "units", "filter", "terms", "read"  # GridId kinds


class GridId(Id):
    """One grid of the map drawing: its kind (MAP, UNITS, FILTER, TERMS, READ) and its layer l,
    channel ch and filter f (-1 where the kind has none). Built by the functions below."""

    def __new__(cls, kind: str, l: int = -1, ch: int = -1, f: int = -1):
        if kind == MAP:
            text = f"c{l}_{ch}"
        elif kind == UNITS:
            text = f"n{l}"
        elif kind == FILTER:
            text = f"k{l}_{f}_{ch}"
        elif kind == TERMS:
            text = "t"
        elif kind == READ:
            text = f"read{l}"
        else:
            raise ValueError(
                f"{kind!r} is no kind of grid (one of map, units, filter, terms, read)"
            )
        return _new(cls, text, (kind, l, ch, f))

    kind, l = _part(0, "map, units, filter, terms or read"), _part(1, "layer")
    ch, f = _part(2, "channel"), _part(3, "filter")

    def cell(self, y: int, x: int, wrap: int = 0) -> Id:
        """The id of the cell drawn at row y, column x (a dense layer laid out `wrap` a row)."""
        if self.kind == MAP:
            return CellId(self.l, self.ch, y, x)
        if self.kind == FILTER:
            return KernelId(self.l, self.f, self.ch, y, x)
        if self.kind == UNITS:
            return NodeId(self.l, y * wrap + x if wrap else y)
        return GridCellId(self, y, x)


class GridCellId(Id):
    """Cell (y, x) of a grid whose cells are no trace ids (a long sum's terms, a read value)."""

    def __new__(cls, grid: GridId, y: int, x: int):
        return _new(cls, f"{grid}_{y}_{x}", (grid, y, x))

    grid, y, x = _part(0, "the grid"), _part(1, "row"), _part(2, "column")


# The grids are made once each and shared (immutable): drawn_at places thousands of ids a step.
_grid_cache = lru_cache(maxsize=4096, typed=True)


@_grid_cache
def map_grid(l: int, ch: int) -> GridId:
    """The map drawing's grid of channel ch of layer l's map."""
    return GridId(MAP, l, ch)


@_grid_cache
def units_grid(l: int) -> GridId:
    """The map drawing's grid of dense layer l's units (layer 0: the inputs)."""
    return GridId(UNITS, l)


@_grid_cache
def filter_grid(l: int, f: int, ch: int) -> GridId:
    """The map drawing's grid of channel ch of filter f of conv layer l."""
    return GridId(FILTER, l, ch, f)


@_grid_cache
def terms_grid() -> GridId:
    """The map drawing's grid of a long sum's largest terms."""
    return GridId(TERMS)


@_grid_cache
def read_grid(l: int) -> GridId:
    """The map drawing's grid of the value a[l][i] a dense weight after a flatten multiplies."""
    return GridId(READ, l)


def drawn_at(cid) -> tuple[GridId, tuple[int, ...]] | None:
    """Where an id is drawn on the map drawing: its grid and (row, column) in it, or (unit,) for
    a dense layer's unit (its grid says how many a row); None for an id drawn in no grid."""
    if isinstance(cid, CellId):
        return map_grid(cid.l, cid.ch), (cid.y, cid.x)
    if isinstance(cid, KernelId):
        return filter_grid(cid.l, cid.f, cid.ch), (cid.i, cid.j)
    if isinstance(cid, NodeId):
        return units_grid(cid.l), (cid.j,)
    if isinstance(cid, GridCellId):
        return cid.grid, (cid.y, cid.x)
    return None


def unit_id(l: int, shape: tuple[int, ...], flat: int) -> NodeId | CellId:
    """The id of unit `flat` (row-major) of layer l whose output has `shape`."""
    if len(shape) == 1:
        return node(l, flat)
    ch, rest = divmod(flat, shape[1] * shape[2])
    y, x = divmod(rest, shape[2])
    return cell(l, ch, y, x)
