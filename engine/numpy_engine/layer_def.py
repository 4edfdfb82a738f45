"""The shape of one layer, as the maths and the trace read it (built from a LayerSpec)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .layers import REGISTRY, LayerType, layer_type

KINDS = tuple(REGISTRY)


@dataclass(frozen=True)
class LayerDef:
    kind: str  # one of KINDS
    in_shape: tuple[int, ...]  # (units,) or (C, H, W) of the layer's input
    out_shape: tuple[int, ...]  # (units,) or (K, OH, OW) of its output
    kernel: tuple[int, int] = (1, 1)  # (kh, kw) of a conv filter or a pooling window
    stride: int = 1  # step of the filter or window, in cells
    padding: int = 0  # zeros added on every side of the input (conv only)
    symbols: tuple[str, ...] = ()  # optional names of the filter weights (the course's α..δ)
    options: Any = None  # a layer type's own settings (batchnorm.Options), hashable

    @property
    def type(self) -> LayerType:
        """What this kind of layer is (has_weights, is_pool, ...): the registry's row."""
        return layer_type(self.kind)

    @property
    def units(self) -> int:
        return math.prod(self.out_shape)

    @property
    def image(self) -> bool:
        """True when the output is a stack of maps (C, H, W)."""
        return len(self.out_shape) == 3

    def param_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(weights shape, bias shape); (0,), (0,) for a layer without parameters."""
        if not self.type.has_weights:
            return (0,), (0,)
        return self.type.module.param_shapes(self)

    @property
    def n_params(self) -> int:
        w, b = self.param_shapes()
        return (math.prod(w) if w != (0,) else 0) + (b[0] if b != (0,) else 0)


def out_size(n: int, k: int, stride: int, padding: int) -> int:
    """Cells along one side of the output: ⌊(n + 2p − k)/s⌋ + 1 (≤ 0 when the kernel does not fit)."""
    return (n + 2 * padding - k) // stride + 1


def dense_defs(sizes: tuple[int, ...]) -> tuple[LayerDef, ...]:
    return tuple(LayerDef("dense", (a,), (b,)) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
