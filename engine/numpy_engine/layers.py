"""The layer registry: every layer type, its module and what it is.

A layer module holds the type's forward, backward, event declarations (`events`, see blocks.py)
and event writers (`event`). Code that must treat layer types differently asks these properties
(`d.type.has_weights`, ...) instead of listing kinds, so a new layer type is its module, one row
here, and its row in the drawing's table (app/explainer/layer_kinds.py).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import NamedTuple


class LayerType(NamedTuple):
    name: str  # the kind in a network file and in LayerDef.kind
    module_name: str  # its module in engine/numpy_engine
    has_weights: bool  # W and b, with gradients and updates (dense, conv)
    has_activation: bool  # a = g(z) after it, with δ = ∂L/∂a·g'(z) (dense, conv)
    is_pool: bool  # a pooling window over maps, no parameters, δ = ∂L/∂a
    reshapes: bool  # only renumbers its input (flatten): no arithmetic, no backward events
    has_filters: bool  # its weights are filters slid over maps (conv): kernel ids, not edges

    @property
    def module(self) -> ModuleType:
        mod = _MODULES.get(self.module_name)
        if mod is None:
            mod = _MODULES[self.module_name] = import_module(f"{__package__}.{self.module_name}")
        return mod


_MODULES: dict[str, ModuleType] = {}


_T = LayerType
REGISTRY: dict[str, LayerType] = {
    t.name: t
    for t in (
        _T("dense", "dense", True, True, False, False, False),
        _T("conv", "conv", True, True, False, False, True),
        _T("maxpool", "pool", False, False, True, False, False),
        _T("avgpool", "pool", False, False, True, False, False),
        _T("flatten", "flatten", False, False, False, True, False),
        _T("batchnorm", "batchnorm", True, True, False, False, False),
    )
}


def layer_type(kind: str) -> LayerType:
    return REGISTRY[kind]


def module(kind: str) -> ModuleType:
    return REGISTRY[kind].module
