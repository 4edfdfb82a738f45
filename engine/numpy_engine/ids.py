"""The ids of what an event touches, in one place: the view highlights by these, nobody parses them.

Dense nets: node "n{l}_{j}" (layer 0 = inputs), edge "w{l}_{j}_{i}" (from unit i of layer l−1
into unit j of layer l), bias "b{l}_{j}", and "loss". Image layers: cell "c{l}_{ch}_{y}_{x}" of
layer l's map (layer 0 = the input image), filter weight "k{l}_{f}_{ch}_{i}_{j}", filter bias
"kb{l}_{f}".
"""

from __future__ import annotations

LOSS = "loss"


def node(l: int, j: int) -> str:
    return f"n{l}_{j}"


def edge(l: int, j: int, i: int) -> str:
    return f"w{l}_{j}_{i}"


def bias_id(l: int, j: int) -> str:
    return f"b{l}_{j}"


def cell(l: int, ch: int, y: int, x: int) -> str:
    return f"c{l}_{ch}_{y}_{x}"


def kernel(l: int, f: int, ch: int, i: int, j: int) -> str:
    return f"k{l}_{f}_{ch}_{i}_{j}"


def kernel_bias(l: int, f: int) -> str:
    return f"kb{l}_{f}"


def unit_id(l: int, shape: tuple[int, ...], flat: int) -> str:
    """The id of unit `flat` (row-major) of layer l whose output has `shape`."""
    if len(shape) == 1:
        return node(l, flat)
    ch, rest = divmod(flat, shape[1] * shape[2])
    y, x = divmod(rest, shape[2])
    return cell(l, ch, y, x)
