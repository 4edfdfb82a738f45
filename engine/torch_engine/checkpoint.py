"""Checkpoints: a model with its config and metrics, written atomically (never half a file)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.atomic import atomic_path

from .mnist import normalise
from .models import ModelConfig, build_model
from .training import TrainConfig

FORMAT = "backprop-studio-checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    model: nn.Module  # in eval mode, on the CPU
    config: TrainConfig
    metrics: dict


def config_from_dict(d: dict) -> TrainConfig:
    """The TrainConfig that `dataclasses.asdict` (then JSON) made `d` from."""
    m = dict(d["model"])
    m["hidden"] = tuple(m.get("hidden", ()))
    m["layers"] = tuple(m.get("layers", ()))
    return TrainConfig(**{**d, "model": ModelConfig(**m)})


def save_checkpoint(path: str | Path, model: nn.Module, config: TrainConfig, metrics: dict) -> Path:
    """Write the weights, the config and `metrics` (e.g. a Done record's to_dict()) atomically."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "config": json.dumps(asdict(config)),
        "metrics": json.dumps({k: v for k, v in metrics.items() if k != "model"}),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | Path) -> Checkpoint:
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"no such checkpoint: {path}") from None
    except Exception as e:  # torch raises many kinds for a corrupt file
        raise CheckpointError(
            f"{path.name} is not a readable checkpoint ({type(e).__name__})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a Backprop Studio checkpoint")
    try:
        cfg = config_from_dict(json.loads(payload["config"]))
        model = build_model(cfg.model)
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"{path.name} does not match its model ({e})") from None
    model.eval()
    return Checkpoint(model, cfg, json.loads(payload["metrics"]))


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Class probabilities (n, 10) for uint8 images (n, 28, 28) or one image (28, 28)."""
    t = normalise(images, next(model.parameters()).device)  # (n, 1, 28, 28)
    was = model.training
    model.eval()
    p = torch.softmax(model(t), 1).cpu().numpy()
    model.train(was)
    return p
