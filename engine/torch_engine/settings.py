"""A run's settings as a person types them (the trainer's form, the CLI's flags), checked
strictly and turned into a TrainConfig. One validation layer: every problem is reported against
its field in one plain sentence, and nothing starts until there are none.

The layer list of a custom model is written one layer per line:
    conv 16 5 relu      filters, kernel, activation (optional: "pad 2", "stride 2", "bn")
    pool 2              max-pooling over 2x2 (avgpool 2 for the mean)
    flatten
    dense 128 relu      units, activation
    dropout 0.2         drop probability
The last layer must give the 10 class scores (dense 10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .device import pick_device
from .models import ACTS, ModelConfig, ModelSpecError, build_model, count_parameters
from .training import OPTIMIZER_NAMES, SCHEDULES, TrainConfig

MODEL_NAMES = ("mlp", "lenet", "fast-cnn", "custom")
DEVICES = ("auto", "cuda", "mps", "cpu")
MAX_PARAMETERS = 20_000_000  # a model larger than this is refused (memory and patience)
MAX_EPOCHS = 1000
MAX_BATCH = 60_000
USUAL_LR = {  # each optimizer's customary learning rate, proposed when it is chosen
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 0.01,
    "rmsprop": 1e-3,
    "adam": 1e-3,
    "adamw": 1e-3,
    "nadam": 2e-3,
    "adadelta": 1.0,
}


@dataclass(frozen=True)
class Checked:
    config: TrainConfig | None  # None when any field is wrong
    errors: dict[str, str]  # field -> one plain sentence
    parameters: int | None  # the model's parameter count, when it could be built


def parse_layers(text: str) -> tuple[dict, ...]:
    """The one-layer-per-line form into the engine's layer dicts; ModelSpecError names the line."""
    out = []
    lines = [ln.split("#")[0].strip() for ln in str(text).splitlines()]
    for no, line in enumerate(lines, 1):
        if not line:
            continue
        words = line.lower().split()
        try:
            out.append(_layer(words))
        except (ValueError, IndexError):
            raise ModelSpecError(f"line {no} ('{line}'): {_LAYER_HELP}") from None
    if not out:
        raise ModelSpecError("the layer list is empty; end it with 'dense 10'")
    return tuple(out)


_LAYER_HELP = (
    "write 'conv FILTERS KERNEL [relu] [pad P] [stride S] [bn]', 'pool 2', 'avgpool 2', "
    "'flatten', 'dense UNITS [relu]' or 'dropout P'"
)


def _int(word: str, lo: int, hi: int) -> int:
    if not word.isdigit() or not lo <= int(word) <= hi:
        raise ValueError(word)
    return int(word)


def _layer(w: list[str]) -> dict:
    kind, rest = w[0], w[1:]
    acts = [x for x in rest if x in ACTS]
    if kind == "conv":
        d = {"type": "conv", "out": _int(rest[0], 1, 1024), "kernel": _int(rest[1], 1, 28)}
        for key, name in (("pad", "padding"), ("stride", "stride")):
            if key in rest:
                d[name] = _int(rest[rest.index(key) + 1], 0 if key == "pad" else 1, 28)
        d["batchnorm"] = "bn" in rest
    elif kind in ("pool", "maxpool", "avgpool"):
        d = {"type": "pool", "size": _int(rest[0] if rest else "2", 1, 28)}
        d["kind"] = "avg" if kind == "avgpool" else "max"
    elif kind == "flatten" and not rest:
        return {"type": "flatten"}
    elif kind == "dense":
        d = {"type": "dense", "units": _int(rest[0], 1, 100_000)}
    elif kind == "dropout":
        p = float(rest[0])
        if not 0 <= p < 1:
            raise ValueError(p)
        return {"type": "dropout", "p": p}
    else:
        raise ValueError(kind)
    if acts:
        d["activation"] = acts[0]
    return d


def _number(form: dict, errors: dict, name: str, lo: float, hi: float, integer: bool = False):
    """A finite number in [lo, hi] (an integer when asked), else an error beside the field."""
    v = form.get(name)
    if isinstance(v, str):
        try:
            v = float(v.strip()) if v.strip() else None
        except ValueError:
            v = None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        errors[name] = "must be a number" + (" (a whole number)" if integer else "")
        return None
    if integer and v != int(v):
        errors[name] = "must be a whole number"
        return None
    if not lo <= v <= hi:
        errors[name] = f"must be between {lo:g} and {hi:g}"
        return None
    return int(v) if integer else float(v)


def check(form: dict) -> Checked:
    """Check every field of a run's form; build the config only when all of them are right."""
    e: dict[str, str] = {}
    model = _model(form, e)
    opt = form.get("optimizer")
    if opt not in OPTIMIZER_NAMES:
        e["optimizer"] = f"choose one of {', '.join(OPTIMIZER_NAMES)}"
    sched = form.get("schedule")
    if sched not in SCHEDULES:
        e["schedule"] = f"choose one of {', '.join(SCHEDULES)}"
    epochs = _number(form, e, "epochs", 1, MAX_EPOCHS, integer=True)
    batch = _number(form, e, "batch_size", 1, MAX_BATCH, integer=True)
    lr = _number(form, e, "lr", 0, 10)
    if lr == 0:
        e["lr"] = "must be above 0 (nothing would be learned)"
    wd = _number(form, e, "weight_decay", 0, 1)
    seed = _number(form, e, "seed", 0, 2**31 - 1, integer=True)
    val = _number(form, e, "val_size", 0, 30_000, integer=True)
    aug = form.get("augment", False)
    if not isinstance(aug, bool):
        e["augment"] = "must be on or off"
    device = _device(form, e)
    params = None
    if model is not None:
        try:
            params = count_parameters(build_model(model))
        except ModelSpecError as err:
            e["layers" if model.name == "custom" else "model"] = str(err)
        else:
            if params > MAX_PARAMETERS:
                e["layers" if model.name == "custom" else "model"] = (
                    f"{params:,} parameters is over the limit of {MAX_PARAMETERS:,}"
                )
    if e:
        return Checked(None, e, params)
    cfg = TrainConfig(
        model=model,
        epochs=epochs,
        batch_size=batch,
        lr=lr,
        optimizer=opt,
        schedule=sched,
        weight_decay=wd,
        augment=aug,
        seed=seed,
        val_size=val,
        device=None if device == "auto" else device,
    )
    return Checked(cfg, {}, params)


def _model(form: dict, e: dict) -> ModelConfig | None:
    name = form.get("model")
    if name not in MODEL_NAMES:
        e["model"] = f"choose one of {', '.join(MODEL_NAMES)}"
        return None
    dropout = _number(form, e, "dropout", 0, 0.95)
    if dropout is None:
        return None
    if name != "custom":
        return ModelConfig(name=name, dropout=dropout)
    try:
        layers = parse_layers(form.get("layers", ""))
    except ModelSpecError as err:
        e["layers"] = str(err)
        return None
    return ModelConfig(name="custom", dropout=dropout, layers=layers)


def _device(form: dict, e: dict) -> str | None:
    d = form.get("device", "auto")
    if d not in DEVICES:
        e["device"] = f"choose one of {', '.join(DEVICES)}"
        return None
    if d in ("cuda", "mps"):
        got = pick_device(d)
        if got.device.type != d:
            e["device"] = f"{d.upper()} is not available here; choose auto or cpu"
            return None
    return d


def describe(cfg: TrainConfig) -> str:
    """One line a run list can show: the settings that tell runs apart."""
    m = cfg.model.name
    return (
        f"{m}, {cfg.optimizer} lr {cfg.lr:g} ({cfg.schedule}), batch {cfg.batch_size}, "
        f"{cfg.epochs} ep"
        + (", aug" if cfg.augment else "")
        + (f", L2 {cfg.weight_decay:g}" if cfg.weight_decay else "")
    )
