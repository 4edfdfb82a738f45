"""The drawing's table of layer types: how the image drawing (conv_state.py) and the network
drawing (network_view.py, scene_state.py) show each one.

What a layer type is (has weights, pools, only renumbers) is asked of the engine's registry
(engine/numpy_engine/layers.py); which events it has and in which order, of the trace's layout.
This table only says how it looks: a new layer type adds its row here.
"""

from __future__ import annotations

from typing import NamedTuple


class Drawn(NamedTuple):
    title: str  # its output column's title; {l}: layer, {act}: activation, {kh}×{kw}: window
    vector: bool = False  # drawn as a column of cells (a dense layer), else as maps
    filters: bool = False  # its weights drawn as filters beside it (a conv layer)
    hidden: bool = False  # not drawn (a flatten: the dense layer after it reads the maps)
    pairs: bool = False  # network drawing: unit j joined to unit j of the layer before only,
    # its edge carrying the layer's one weight per unit (a batch norm: γ_j; β_j is its bias)
    name: str = ""  # the network drawing's column title under "layer l" (else hidden/output)


DRAWN: dict[str, Drawn] = {
    "dense": Drawn("dense {l} · {act}", vector=True),
    "conv": Drawn("conv {l} · {act}", filters=True),
    "maxpool": Drawn("maxpool {kh}×{kw}"),
    "avgpool": Drawn("avgpool {kh}×{kw}"),
    "flatten": Drawn("", hidden=True),
    "batchnorm": Drawn("BN {l} · {act}", pairs=True, name="BN · {act}"),
}


def drawn(d) -> Drawn:
    return DRAWN[d.kind]


def title(d, l: int, act: str) -> str:
    return DRAWN[d.kind].title.format(l=l, act=act, kh=d.kernel[0], kw=d.kernel[1])


def pairs(kind: str) -> bool:
    """Whether the network drawing joins unit j to unit j only (one weight per unit)."""
    return DRAWN[kind].pairs


def column_name(kind: str, act: str) -> str:
    """The network drawing's own title of a layer type's column ("" for the default)."""
    return DRAWN[kind].name.format(act=act)
