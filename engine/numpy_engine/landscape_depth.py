"""Depth and initialisation: per layer, the spread of the activations and the size of the gradient
at one step, the numbers of the explainer's strip beside the drawing (the vanishing gradient of a
deep sigmoid net, layer by layer).

The step's own batch and dropout masks are used, exactly as `Network.step` computes them, so the
gradient norms are those of the update the learner is looking at.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import core
from .network import Network, TrainState


@dataclass(frozen=True)
class LayerStat:
    layer: int  # 1..L, as in the course
    kind: str  # dense | conv | maxpool | avgpool | flatten
    act_mean: float  # mean of the layer's output a over the batch and its units
    act_std: float  # standard deviation of the same numbers: the activations' spread
    grad_norm: float  # ‖∂L/∂W‖ (Frobenius, with the L1/L2 term); 0 for a layer without weights
    bias_grad_norm: float  # ‖∂L/∂b‖


def layer_strip(net: Network, state: TrainState) -> tuple[LayerStat, ...]:
    """One LayerStat per layer at the step after `state` (its batch, its dropout masks)."""
    m = net.model
    _, X, Y, masks = net.batch(state)
    with np.errstate(all="ignore"):
        fw = core.forward(m, state.params, X, masks)
        bw = core.backward(m, state.params, fw, Y)
    out = []
    for k, (gW, gb) in enumerate(bw.grads):
        a = fw.A[k + 1]
        out.append(
            LayerStat(
                k + 1,
                m.layer(k).kind,
                float(a.mean()),
                float(a.std()),
                float(np.linalg.norm(gW)),
                float(np.linalg.norm(gb)),
            )  # fmt: skip
        )
    return tuple(out)
