"""What the image drawing shows at one position of the trace: every layer's maps as grids of cells,
filled in as far as the stepping has reached, with the current event's cells and filter marked.
Qt-free and no maths: every number is read from the step's recorded arrays, and whether a cell is
reached yet from the trace's layout (the index of its event), so a key press costs the same at
event 10 as at event 20,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.numpy_engine import ids
from engine.numpy_engine.ids import GridId

from .layer_drawing import drawn, title

MAX_GRIDS = 8  # channels (or filters) drawn per layer; the title says how many there are
MAX_VECTOR = 32  # units of a dense layer drawn as one column; more are drawn in rows
WRAP = 16  # cells per row of a dense layer of more than MAX_VECTOR units
GREY_CELLS = 100  # an input image of at least this many cells per channel is drawn in grey levels


@dataclass
class Grid:
    label: str  # e.g. "ch 0", "f1·c0"
    values: np.ndarray  # (H, W); NaN = not computed yet at this position
    gid: GridId  # which grid: its kind, layer, channel, filter (its text as the ids' prefix)
    signed: bool = True  # colour negative and positive apart (an input image is grey levels)
    marks: dict[tuple[int, int], str] = field(default_factory=dict)  # cell -> short tag
    names: tuple[str, ...] = ()  # the course's names of the cells (a..l, α..δ), row by row
    wrap: int = 0  # a long vector laid out row by row, this many cells wide (0: one column)

    def spot(self, index: tuple[int, ...]) -> tuple[int, int] | None:
        """(row, column) of a place ids.drawn_at gives in this grid ((unit,) in a dense layer's,
        laid out `wrap` a row), or None when it lies outside the grid."""
        if len(index) == 1:
            y, x = divmod(index[0], self.wrap) if self.wrap else (index[0], 0)
        else:
            y, x = index
        h, w = self.values.shape
        return (y, x) if 0 <= y < h and 0 <= x < w else None

    def at(self, cid) -> tuple[int, int] | None:
        """(row, column) where the id `cid` is drawn in this grid, or None when not in it."""
        place = ids.drawn_at(cid)
        return self.spot(place[1]) if place is not None and place[0] == self.gid else None


@dataclass
class Column:
    title: str
    grids: list[Grid]
    vector: bool = False  # a dense layer: one column of cells
    small: bool = False  # filters or a dense layer: drawn with readable cells even beside big maps


@dataclass
class Overlay:
    """The filter drawn over the input where it sits: its weights on the cells it covers."""

    gid: GridId  # the grid it lies on
    top: int
    left: int
    size: tuple[int, int]  # (kh, kw)
    weights: np.ndarray | None = None  # (kh, kw) a filter's weights; None: a pooling window


@dataclass
class ConvState:
    columns: list[Column] = field(default_factory=list)
    focus: str = ""  # the id of the cell (or weight) the current event computes
    touched: frozenset[str] = frozenset()  # the other cells and weights it reads
    overlays: list[Overlay] = field(default_factory=list)
    caption: str = ""
    drawn: frozenset[str] = frozenset()  # cells outlined for touched units that are not drawn
    ranks: dict[str, str] = field(default_factory=dict)  # a long sum: id -> rank "1".."7"


def _fill(values: np.ndarray, count: int) -> np.ndarray:
    flat = values.astype(float).ravel().copy()
    flat[count:] = np.nan
    return flat.reshape(values.shape)


def _maps(values, l: int, title: str, signed: bool = True, tag: str = "") -> Column:
    grids = [
        Grid(f"{tag}ch {ch}", values[ch], ids.map_grid(l, ch), signed) for ch in range(len(values))
    ][:MAX_GRIDS]
    more = f"\n{MAX_GRIDS} of {len(values)} maps" if len(values) > MAX_GRIDS else ""
    return Column(title + more, grids)


def _vector(values, l: int, title: str) -> Column:
    """A dense layer: one column of cells, or (hundreds of units) a block of rows WRAP wide."""
    v = np.asarray(values, float).ravel()
    if len(v) <= MAX_VECTOR:
        return Column(title, [Grid("", v[:, None], ids.units_grid(l))], vector=True, small=True)
    rows = -(-len(v) // WRAP)
    block = np.full(rows * WRAP, np.nan)
    block[: len(v)] = v
    g = Grid(
        f"{len(v)} units, {WRAP} a row", block.reshape(rows, WRAP), ids.units_grid(l), wrap=WRAP
    )
    return Column(title, [g], vector=True)


def _drawn_id(p: _At, cid: str) -> str:
    """The drawn cell of a unit id: a flatten's unit is the cell of the maps it was read from."""
    if not isinstance(cid, ids.NodeId):
        return cid
    d = p.m.layer(cid.l - 1) if cid.l >= 1 else None
    if d is None or not d.type.reshapes:
        return cid
    ch, y, x = (int(v) for v in np.unravel_index(cid.j, d.in_shape))
    return ids.cell(cid.l - 1, ch, y, x)


def _unit_of(cid, l: int) -> bool:
    """Whether `cid` is a unit of dense layer l."""
    return isinstance(cid, ids.NodeId) and cid.l == l


def _terms_column(ev) -> Column:
    """A long sum's largest terms, largest first, each with its two factors, and the rest's sum."""
    d = ev.detail
    rows = [(left, right, term) for _, term, left, right in d["terms"]]
    rows.append((np.nan, np.nan, d["rest"]))
    other = "k" if ev.kind == "da" else "i"
    names = [(f"{other}={t[0]}", "", "") for t in d["terms"]] + [(f"+{d['rest_count']}", "", "")]
    factors = "w · δ = term" if ev.kind == "da" else "w · a = term"
    grid = Grid(factors, np.array(rows), ids.terms_grid(), names=sum(names, ()))
    return Column("largest terms", [grid], small=True)


def _flat_factor(p: _At, ev) -> Column:
    """A dense weight after a flatten multiplies a[l−1][i], a cell of the maps before it (outlined
    there, where it may be too small for its number): that value for the sample drawn, as one
    cell large enough for its number."""
    l, i = ev.layer - 1, ev.index[1]
    g = Grid("", np.array([[p.c.fw.A[l][p.s, i]]]), ids.read_grid(l))
    return Column(f"a[{l}][{i}]", [g], small=True)


class _At:
    def __init__(self, explainer, index: int | None = None):
        r = explainer.current
        self.r, self.idx = r, explainer.event_index if index is None else index
        self.ev = r.events[self.idx]
        self.lay, self.c = r.events.layout, r.events.arrays
        self.m = self.c.model
        chosen = explainer.filter.applies_to(r) or 0  # a batch event: the chosen sample's maps
        sample = self.ev.sample if self.ev.sample is not None else r.rows[chosen]
        self.sample, self.s = sample, r.rows.index(sample)
        self.back = self.ev.phase in ("backward", "update")


def _input_column(p: _At, explainer) -> list[Column]:
    x = np.asarray(explainer.net.data.inputs[p.sample], float).reshape(p.m.in_shape)
    grey = x[0].size >= GREY_CELLS or not (x < 0).any()  # MNIST: paper white, ink dark
    cols = [_maps(x, 0, f"input x · sample {p.sample}", signed=not grey)]
    if p.m.in_symbols:
        cells = x.shape[1] * x.shape[2]
        for ch, g in enumerate(cols[0].grids):
            g.names = p.m.in_symbols[ch * cells : (ch + 1) * cells]
    if p.back and p.m.input_grad:  # the gradient routed back to the input by the first pooling
        n = p.lay.n_reached("da", 0, p.s, p.idx)
        cols.append(_maps(_fill(p.c.bw.dX[p.s], n).reshape(x.shape), 0, "∂L/∂x", tag="∂ "))
    return cols


def _filters(p: _At, k: int) -> Column:
    l, d = k + 1, p.m.layer(k)
    W = p.c.params[k][0]
    c_in, (kh, kw) = d.in_shape[0], d.kernel
    if p.ev.phase == "backward":
        G, title = p.c.bw.grads[k][0], f"∂L/∂w[{l}]"
        shown = _fill(G, p.lay.n_reached("grad_w", l, None, p.idx))  # in W's order
    elif p.ev.phase == "update":
        n = p.lay.n_reached("update_w", l, None, p.idx)
        new = p.c.new_params[k][0].ravel()
        shown = np.where(np.arange(W.size) < n, new, W.ravel()).reshape(W.shape)
        title = f"w[{l}] (updated where reached)"
    else:
        shown, title = W, f"filters w[{l}]"
    taps = kh * kw
    grids = [
        Grid(
            f"f{f}·c{ch}",
            shown[f, ch],
            ids.filter_grid(l, f, ch),
            names=_names(d, (f * c_in + ch) * taps),
        )
        for f in range(W.shape[0])
        for ch in range(c_in)
    ][:MAX_GRIDS]
    return Column(title, grids, small=True)


def _names(d, start: int) -> tuple[str, ...]:
    n = d.kernel[0] * d.kernel[1]
    return d.symbols[start : start + n] if d.symbols else ()


def _layer_columns(p: _At, k: int) -> list[Column]:
    l, d = k + 1, p.m.layer(k)
    if drawn(d).hidden:
        return []
    if p.back:
        n = p.lay.n_reached("delta" if p.lay.has("delta", l) else "da", l, p.s, p.idx)
        delta = p.c.bw.delta[k][p.s]
        name = f"δ[{l}] ({d.kind})"
        if n == 0 and p.ev.phase == "backward":  # no δ yet: the values the gradients above read
            cols = _forward_columns(p, k)
            cols[0].title += f"\na[{l}], δ[{l}] next"
            return cols
        if drawn(d).vector:
            return [_vector(_fill(delta, n), l, name)]
        return [_maps(_fill(delta, n), l, name, tag="δ ")]
    return _forward_columns(p, k)


def _forward_columns(p: _At, k: int) -> list[Column]:
    """Layer k+1's values as far as the forward phase has reached (all of them after it)."""
    l, d, lay = k + 1, p.m.layer(k), p.lay
    kinds = lay.kinds("forward", l)
    name = title(d, l, p.m.activations[k])
    out = p.c.fw.A[l][p.s]
    if "z" in kinds:  # z as far as reached, a over it where reached (after any dropout)
        z = _fill(p.c.fw.Z[k][p.s], lay.n_reached("z", l, p.s, p.idx))
        a = np.where(np.isnan(_fill(out, lay.n_reached("a", l, p.s, p.idx))), z, out)
    else:
        a = _fill(out, lay.n_reached(kinds[0], l, p.s, p.idx))
    return [_vector(a, l, name)] if drawn(d).vector else [_maps(a, l, name)]


def conv_view_state(explainer, index: int | None = None) -> ConvState:
    """The drawing at event `index` of the current step (default: the explainer's position)."""
    p = _At(explainer, index)
    cols = _input_column(p, explainer)
    for k in range(p.m.depth):
        if drawn(p.m.layer(k)).filters:
            cols.append(_filters(p, k))
        cols += _layer_columns(p, k)
    ev = p.ev
    st = ConvState(cols, ev.nodes[0] if ev.nodes else "", frozenset(ev.nodes[1:] + ev.edges))
    if "terms" in ev.detail:  # a long sum: its largest terms are marked and listed
        drawn_ids = [_drawn_id(p, ev.nodes[1 + t[0]]) for t in ev.detail["terms"]]
        st.ranks = {cid: str(r + 1) for r, cid in enumerate(drawn_ids)}
        cols.append(_terms_column(ev))
    elif ev.kind == "grad_w" and ev.layer >= 2 and p.m.layer(ev.layer - 2).type.reshapes:
        cols.append(_flat_factor(p, ev))  # the value the weight multiplies, large enough to read
        st.touched |= {cols[-1].grids[0].gid.cell(0, 0)}  # outlined as its map cell is
    elif p.m.layers[0].type.reshapes:  # a flattened unit is outlined on the input image
        st.drawn = frozenset(_drawn_id(p, x) for x in ev.nodes[1:] if _unit_of(x, 1))
    if ev.kind == "z" and "filter" in ev.detail:
        k = ev.layer - 1
        W = p.c.params[k][0][ev.detail["filter"]]
        st.overlays = [
            Overlay(ids.map_grid(k, ch), ev.detail["top"], ev.detail["left"], W[ch].shape, W[ch])
            for ch in range(len(W))
        ]
    if ev.kind == "pool":
        _window(p, st, ev.layer, *ev.index)
    if ev.kind == "da" and ev.detail.get("pool"):  # routed back through the windows over it
        for nid in ev.nodes[1:]:
            _window(p, st, nid.l, nid.ch, nid.y, nid.x)
    st.caption = f"sample {p.sample} · {p.r.mode} · step {p.r.t} · {ev.phase}"
    return st


def _window(p: _At, st: ConvState, l: int, ch: int, y: int, x: int) -> None:
    """Pooling window (ch, y, x) of layer l framed on its input, its winner tagged (the engine's
    pool module says where, as its forward event does)."""
    d = p.m.layer(l - 1)
    top, left, winner = d.type.module.window_at(p.c, l - 1, p.s, ch, y, x)
    gid = ids.map_grid(l - 1, ch)
    st.overlays.append(Overlay(gid, top, left, d.kernel))
    if winner is not None:
        for col in st.columns:
            for g in col.grids:
                if g.gid == gid and g.label.startswith("ch"):
                    g.marks[tuple(winner)] = "max"


def conv_training_state(explainer) -> ConvState:
    """While training continuously: the newest filters of every conv layer."""
    state = explainer.latest_state
    m = explainer.net.model
    cols = []
    for k, (W, _) in enumerate(state.params):
        if drawn(m.layer(k)).filters:
            grids = [
                Grid(f"f{f}·c{ch}", W[f, ch], ids.filter_grid(k + 1, f, ch))
                for f in range(W.shape[0])
                for ch in range(W.shape[1])
            ][:MAX_GRIDS]
            cols.append(Column(f"filters w[{k + 1}]", grids, small=True))
    return ConvState(cols, caption=f"training… step {state.t}; press T to pause")
