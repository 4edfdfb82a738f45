"""Choosing one weight on the map drawing: click a pixel of the input image (or a unit of a
layer) and a unit of the dense layer it feeds, in either order, and the explainer goes to that
weight's gradient, ∂L/∂w worked out by the chain rule. Qt-free: grid ids in, an event index out."""

from __future__ import annotations

from engine.numpy_engine.ids import MAP, UNITS, GridId


def unit_of(model, grid: GridId, r: int, c: int, wrap: int) -> tuple[int, int] | None:
    """(layer, flat unit index) of a clicked cell: a map's cell (row-major, as a flatten reads
    them) or a dense layer's unit (laid out `wrap` cells a row); None for any other grid."""
    if grid.kind == MAP:
        shape = model.in_shape if grid.l == 0 else model.layer(grid.l - 1).out_shape
        _, h, w = shape
        return grid.l, (grid.ch * h + r) * w + c
    if grid.kind == UNITS:
        return grid.l, r * wrap + c if wrap else r
    return None


def joining_weight(model, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int, int] | None:
    """(L, J, I) of the dense weight joining units a and b (layer, flat unit), either first; None
    when no dense weight joins them (not adjacent, or not a dense layer)."""
    for (l_src, i), (l_dst, j) in ((a, b), (b, a)):
        if l_dst < 1 or l_dst - 1 >= len(model.layers):
            continue
        if model.layer(l_dst - 1).kind != "dense":
            continue
        feeds = l_dst - 1  # the layer whose output this dense layer reads
        if feeds >= 1 and model.layer(feeds - 1).type.reshapes:
            feeds -= 1  # through a flatten: the maps' cells are its inputs, in the same order
        if l_src == feeds:
            return l_dst, j, i
    return None


def weight_event(model, layout, a: tuple[int, int], b: tuple[int, int]) -> int | None:
    """The gradient event of the weight joining units a and b (either may come first), or None
    when no dense weight joins them."""
    w = joining_weight(model, a, b)
    if w is None:
        return None
    l, j, i = w
    return layout.index("grad_w", l, None, j * model.layer(l - 1).in_shape[0] + i)


class Picker:
    """Remembers the first click; the second one that completes a weight names its event."""

    def __init__(self):
        self.first: tuple[int, int] | None = None

    def click(self, model, layout, unit: tuple[int, int]) -> int | None:
        if self.first is not None and self.first != unit:
            event = weight_event(model, layout, self.first, unit)
            if event is not None:
                self.first = None
                return event
        self.first = unit
        return None


def pick(ex, picker: Picker, grid: GridId, r: int, c: int, wrap: int, say) -> None:
    """A click on the map drawing: the first unit is remembered (and said); a second one that
    completes a weight moves the explainer to that weight's gradient."""
    if ex.net is None or ex.training:
        return
    lay = ex.current.events.layout
    unit = unit_of(lay.model, grid, r, c, wrap)
    if unit is None:
        return
    event = picker.click(lay.model, lay, unit)
    if event is not None:
        ex.goto(ex.step_index, event)
    else:
        say(
            f"unit {unit[1]} of layer {unit[0]} chosen: click a unit of the dense layer it feeds "
            "(or of the layer that feeds it) to see that weight's gradient"
        )
