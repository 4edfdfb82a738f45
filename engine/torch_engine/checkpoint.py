"""Checkpoints: a model with its config and metrics, written atomically (never half a file) and
sealed with a sha256 of its content, so a file corrupted later is refused, never evaluated.
Loading refuses (CheckpointError, the file named) anything that is not a regular file of at most
MAX_CHECKPOINT_BYTES, does not match its checksum, or holds weights that are not finite.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from torch import nn

from engine.atomic import atomic_path
from engine.safe_io import UnreadableFile, read_bytes

from .models import (
    FAST_CNN_BEFORE,
    MAX_PARAMETERS,
    ModelConfig,
    build_model,
    count_parameters,
    shapes_only,
    widened,
)
from .training import TrainConfig

FORMAT = "backprop-studio-checkpoint/2"  # /2 adds "sha256"
OLD_FORMATS = ("backprop-studio-checkpoint/1",)  # still read: no checksum, finiteness checked
MAX_CHECKPOINT_BYTES = 512 * 2**20  # the largest model the form allows (20M float32) is 80 MB


class CheckpointError(ValueError):
    """A checkpoint that cannot be read; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    model: nn.Module  # in eval mode, on the CPU
    config: TrainConfig
    metrics: dict


def config_from_dict(d: dict) -> TrainConfig:
    """The TrainConfig that `dataclasses.asdict` (then JSON) made `d` from. Settings saved
    before `precision` (2026-12-06) had `amp`: off (float32) but in the GPU bench, whose runs
    with it on trained on CUDA in bfloat16, so each reads as what it trained with."""
    d = dict(d)
    if "precision" not in d:
        d["precision"] = "bfloat16" if d.pop("amp", False) else "float32"
    m = dict(d["model"])
    m["hidden"] = tuple(m.get("hidden", ()))
    m["layers"] = tuple(m.get("layers", ()))
    return TrainConfig(**{**d, "model": ModelConfig(**m)})


def content_hash(config: str, metrics: str, state: dict[str, torch.Tensor]) -> str:
    """sha256 of the config and metrics text and every tensor's name, dtype, shape and bytes."""
    h = hashlib.sha256()
    h.update(config.encode())
    h.update(metrics.encode())
    for k in sorted(state):
        t = state[k].detach().cpu().contiguous()
        h.update(f"{k}:{t.dtype}:{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def save_checkpoint(
    path: str | Path, model: nn.Module, config: TrainConfig, metrics: dict, make_folder=False
) -> Path:
    """Write the weights, the config and `metrics` (e.g. a Done record's to_dict()) atomically,
    with their checksum. The folder must exist unless `make_folder`."""
    path = Path(path)
    cfg = json.dumps(asdict(config))
    met = json.dumps({k: v for k, v in metrics.items() if k != "model"})
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "config": cfg,
        "metrics": met,
        "state_dict": state,
        "sha256": content_hash(cfg, met, state),
    }
    with atomic_path(path, make_folder) as tmp:
        torch.save(payload, tmp)
    return path


def _payload(path: Path) -> dict:
    """The checkpoint's payload, its format and checksum verified."""
    try:
        raw = read_bytes(path, MAX_CHECKPOINT_BYTES, "checkpoint")
    except UnreadableFile as e:
        raise CheckpointError(str(e)) from None
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a corrupt file
        raise CheckpointError(
            f"{path.name} is not a readable checkpoint ({type(e).__name__})"
        ) from None
    fmt = payload.get("format") if isinstance(payload, dict) else None
    if fmt != FORMAT and fmt not in OLD_FORMATS:
        raise CheckpointError(f"{path.name} is not a Backprop Studio checkpoint")
    try:
        cfg, met, state = payload["config"], payload["metrics"], payload["state_dict"]
        ok = fmt in OLD_FORMATS or payload["sha256"] == content_hash(cfg, met, state)
    except (KeyError, TypeError, AttributeError, ValueError, RuntimeError):
        ok = False
    if not ok:
        raise CheckpointError(
            f"{path.name} is corrupt: its content does not match its checksum; save it again"
        )
    return payload


def _model_words(m) -> str:
    """The model a config names, in words: "lenet model", "mlp model (784-256-128-10)"."""
    hidden = getattr(m, "hidden", ())
    if m.name == "mlp" and hidden:
        return f"mlp model (784-{'-'.join(map(str, hidden))}-10)"
    return f"{m.name} model"


def _fits(model: nn.Module, state: dict) -> bool:
    try:
        model.load_state_dict(state)
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError):
        return False
    return True


def _fitted(model: nn.Module, cfg: TrainConfig, state: dict):
    """(model, config) with the weights loaded, or None if they fit neither the model the config
    names nor its earlier layout: a fast CNN saved before 2026-12-06 (conv-bn-relu-pool) is read
    as the custom model it is, so it evaluates and trains on as it was saved."""
    if _fits(model, state):
        return model, cfg
    if cfg.model.name != "fast-cnn":
        return None
    before = replace(
        cfg.model, name="custom", layers=tuple(widened(list(FAST_CNN_BEFORE), cfg.model.width))
    )
    try:
        model = build_model(before)
    except (ValueError, RuntimeError, MemoryError):
        return None
    return (model, replace(cfg, model=before)) if _fits(model, state) else None


def load_checkpoint(path: str | Path) -> Checkpoint:
    """A checkpoint written by save_checkpoint, verified; CheckpointError names the file."""
    path = Path(path)
    payload = _payload(path)
    try:
        cfg = config_from_dict(json.loads(payload["config"]))
        n = count_parameters(shapes_only(cfg.model))  # its size first, with no memory
        metrics = json.loads(payload["metrics"])
    except (KeyError, TypeError, ValueError, RuntimeError, MemoryError) as e:
        raise CheckpointError(f"{path.name} does not match its model ({e})") from None
    if n > MAX_PARAMETERS:
        raise CheckpointError(
            f"{path.name} claims a model of {n:,} parameters, over the limit of "
            f"{MAX_PARAMETERS:,}; it cannot be used"
        )
    if not isinstance(metrics, dict):
        raise CheckpointError(f"{path.name} has figures that are not a set of named values")
    try:
        model = build_model(cfg.model)
    except (RuntimeError, MemoryError) as e:
        raise CheckpointError(f"{path.name} does not match its model ({e})") from None
    fitted = _fitted(model, cfg, payload["state_dict"])
    if fitted is None:  # torch's five-line text is not shown
        raise CheckpointError(
            f"{path.name} says it holds a {_model_words(cfg.model)}, but its weights do not "
            "fit that model (they are another model's); it cannot be used"
        )
    model, cfg = fitted
    for name, t in model.state_dict().items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise CheckpointError(
                f"{path.name} holds weights that are not finite (NaN or infinity) in {name}; "
                "it cannot be evaluated"
            )
    model.eval()
    return Checkpoint(model, cfg, metrics)
