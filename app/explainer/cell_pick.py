"""Choosing one weight on the map drawing: click a pixel of the input image (or a unit of a
layer) and a unit of the dense layer it feeds, in either order, and the explainer goes to that
weight's gradient, ∂L/∂w worked out by the chain rule. Qt-free: cell ids in, an event index out."""

from __future__ import annotations


def unit_of(model, prefix: str, r: int, c: int, wrap: int) -> tuple[int, int] | None:
    """(layer, flat unit index) of a clicked cell: "c{l}_{ch}" grids are maps (row-major, as a
    flatten reads them), "n{l}" grids are dense layers (laid out `wrap` cells a row)."""
    try:
        if prefix.startswith("c"):
            l, ch = (int(v) for v in prefix[1:].split("_"))
            shape = model.in_shape if l == 0 else model.layer(l - 1).out_shape
            _, h, w = shape
            return l, (ch * h + r) * w + c
        if prefix.startswith("n"):
            return int(prefix[1:]), r * wrap + c if wrap else r
    except (ValueError, IndexError):
        return None
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
        if feeds >= 1 and model.layer(feeds - 1).kind == "flatten":
            feeds -= 1  # through a flatten: the maps' cells are its inputs, in the same order
        if l_src == feeds:
            return l_dst, j, i
    return None


def weight_event(model, layout, a: tuple[int, int], b: tuple[int, int]) -> int | None:
    """The gradient event of the weight joining units a and b (either may come first), or None
    when no dense weight joins them."""
    w = joining_weight(model, a, b)
    return None if w is None else layout.grad_w(*w)


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


def pick(ex, picker: Picker, prefix: str, r: int, c: int, wrap: int, say) -> None:
    """A click on the map drawing: the first unit is remembered (and said); a second one that
    completes a weight moves the explainer to that weight's gradient."""
    if ex.net is None or ex.training:
        return
    lay = ex.current.events.layout
    unit = unit_of(lay.model, prefix, r, c, wrap)
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
