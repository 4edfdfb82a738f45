"""A run's settings as a person types them (the trainer's form, the CLI's flags), checked
strictly and turned into a TrainConfig. One validation layer: every problem is reported against
its field in one plain sentence, and nothing starts until there are none.

The layer list of a custom model is written one layer per line:
    conv 16 5 relu      filters, kernel, activation (optional: "pad 2", "stride 2", "bn")
    pool 2              max-pooling over 2x2 (avgpool 2 for the mean)
    bn relu             a batch norm of its own, then an optional activation (a conv without an
                        activation before it, directly or through pooling, has no bias: the
                        batch norm's beta takes its place)
    flatten
    dense 128 relu      units, activation
    dropout 0.2         drop probability
The last layer must give the 10 class scores (dense 10).

The command line sends the same form (its flags as text) plus a few fields of its own, checked
here as strictly when present: target_accuracy, eval_every, limit_train (into the config), a
sweep's values (sweep_param, sweep_values) and an LR range test's lr_start, lr_end, lr_steps
(into Checked.extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .device import PRECISIONS, pick_device
from .layer_text import format_layers, parse_layers
from .models import MAX_PARAMETERS as MAX_PARAMETERS
from .models import (
    ModelConfig,
    ModelSpecError,
    count_parameters,
    normalises_units,
    shapes_only,
)
from .subset import MIN_TRAIN_SIZE
from .sweepable import MAX_REPEATS, MAX_RUNS, parse_values, setting_for
from .sweepable import MAX_SWEEP_VALUES as MAX_SWEEP_VALUES
from .sweepable import number_field as _number
from .training import OPTIMIZER_NAMES, SCHEDULES, TrainConfig

MODEL_NAMES = ("mlp", "lenet", "fast-cnn", "custom")
DEVICES = ("auto", "cuda", "mps", "cpu")
__all__ = ["format_layers", "parse_layers"]  # the layer list's text form, used with check
MAX_EPOCHS = 1000  # passes over the training set in one run (an MLP epoch takes ~1 s on a CPU)
MAX_BATCH = 60_000  # samples per step: at most the whole training set
MAX_LR = 10.0  # the highest learning rate accepted (any optimizer diverges well before)
MIN_LR_STEPS, MAX_LR_STEPS = 3, 10_000  # LR range test steps: 3 points make a slope; 100 usual
MAX_EVAL_EVERY = 10_000_000  # steps between test evaluations (0: only at each epoch's end)
MAX_SAMPLES = 60_000  # training samples to use or hold out: MNIST has 60,000
MAX_LABEL_SMOOTHING = 0.5  # more would teach the net that the label is barely likelier
RECIPES = {  # per model, its tested recipe (bench/train_mnist.py): lr, schedule, epochs, smoothing
    "mlp": (3e-3, "onecycle", 8, 0.0),
    "lenet": (3e-3, "onecycle", 3, 0.0),
    # after its one epoch 11 of seeds 0-11 end at 99.04-99.18%, seed 10 at 98.90% (bench/train_mnist.py)
    "fast-cnn": (4e-2, "onecycle", 1, 0.05),
    "custom": (1e-3, "onecycle", 2, 0.0),
}
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
    extra: dict = field(default_factory=dict)  # the CLI's own checked values: sweep, LR range


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
    lr = _number(form, e, "lr", 0, MAX_LR)
    if lr == 0:
        e["lr"] = "must be above 0 (nothing would be learned)"
    wd = _number(form, e, "weight_decay", 0, 1)
    smooth = (  # a form without the field (an older caller) trains with plain cross-entropy
        _number(form, e, "label_smoothing", 0, MAX_LABEL_SMOOTHING)
        if "label_smoothing" in form
        else 0.0
    )
    seed = _number(form, e, "seed", 0, 2**31 - 1, integer=True)
    val = _number(form, e, "val_size", 0, MAX_SAMPLES // 2, integer=True)
    size, patience = _train_size(form, e, val), _patience(form, e, val)
    aug = form.get("augment", False)
    if not isinstance(aug, bool):
        e["augment"] = "must be on or off"
    device = _device(form, e)
    precision = form.get("precision", "auto")  # an older caller's form has no such field
    if precision not in PRECISIONS:
        e["precision"] = f"choose one of {', '.join(PRECISIONS)}"
    more, extra = _cli_fields(form, e), _sweep(form, e) | _lr_range(form, e)
    params = _model_fits(model, batch, e) if model is not None else None
    if e:
        return Checked(None, e, params, extra)
    cfg = TrainConfig(
        model=model,
        epochs=epochs,
        batch_size=batch,
        lr=lr,
        optimizer=opt,
        schedule=sched,
        weight_decay=wd,
        label_smoothing=smooth,
        augment=aug,
        seed=seed,
        val_size=val,
        train_size=size,
        patience=patience or 0,
        device=None if device == "auto" else device,
        precision=precision,
        **more,
    )
    return Checked(cfg, {}, params, extra)


def _model_fits(model: ModelConfig, batch: int | None, e: dict) -> int | None:
    """The model's parameter count, its layer list, size and batch size judged (on torch's meta
    device: no memory); each problem goes beside its field."""
    field_name = "layers" if model.name == "custom" else "model"
    try:
        built = shapes_only(model)
    except ModelSpecError as err:
        e[field_name] = str(err)
        return None
    params = count_parameters(built)
    if params > MAX_PARAMETERS:
        e[field_name] = f"{params:,} parameters is over the limit of {MAX_PARAMETERS:,}"
    if batch == 1 and normalises_units(built):
        e["batch_size"] = (
            "must be 2 or more: a batch norm after a dense layer normalises each unit over the batch"
        )
    return params


def _given(form: dict, name: str) -> bool:
    v = form.get(name)
    return v is not None and not (isinstance(v, str) and not v.strip())


def _cli_fields(form: dict, e: dict) -> dict:
    """The TrainConfig fields only the command line sets, each checked when given."""
    out = {}
    if _given(form, "target_accuracy"):
        t = _number(form, e, "target_accuracy", 0, 1)
        if t == 0:
            e["target_accuracy"] = "must be above 0 (a fraction such as 0.99)"
        out["target_accuracy"] = t
    if _given(form, "eval_every"):
        out["eval_every"] = _number(form, e, "eval_every", 0, MAX_EVAL_EVERY, integer=True)
    if _given(form, "limit_train"):
        out["limit_train"] = _number(form, e, "limit_train", 1, MAX_SAMPLES, integer=True)
    return out


def _train_size(form: dict, e: dict, val: int | None) -> int | None:
    """The training-set size: None for every digit ("" or "all"), else a whole number of at
    least MIN_TRAIN_SIZE that leaves room for the validation hold-out."""
    v = form.get("train_size")
    if v is None or (isinstance(v, str) and v.strip().lower() in ("", "all")):
        return None
    n = _number(form, e, "train_size", MIN_TRAIN_SIZE, MAX_SAMPLES, integer=True)
    if n is not None and val is not None and n + val > MAX_SAMPLES:
        e["train_size"] = (
            f"with {val:,} held out for validation at most {MAX_SAMPLES - val:,} digits are left"
        )
        return None
    return n


def _patience(form: dict, e: dict, val: int | None) -> int | None:
    """Early stopping's patience in epochs (0 or "": off); it watches the validation loss."""
    if not _given(form, "patience"):
        return 0
    p = _number(form, e, "patience", 0, MAX_EPOCHS, integer=True)
    if p and val == 0:
        e["patience"] = "early stopping watches the validation loss: hold out validation digits"
        return None
    return p


def _sweep(form: dict, e: dict) -> dict:
    """A sweep's setting, values and repeats, each value checked as its field would be:
    {"param": ..., "values": (...), "repeats": k} or {}."""
    word = form.get("sweep_param")
    if word is None:
        return {}
    param = setting_for(word)
    if param is None:
        e["sweep_param"] = f"choose one of: {sweep_settings_text()}"
        return {}
    values, why = parse_values(param, form.get("sweep_values", ""), _model_name(form))
    if why:
        e["sweep_param" if why.endswith(f"not {_model_name(form)}") else "sweep_values"] = why
        return {}
    repeats = 1
    if _given(form, "repeats"):
        repeats = _number(form, e, "repeats", 1, MAX_REPEATS, integer=True)
        if repeats is None:
            return {}
        if repeats * len(values) > MAX_RUNS:
            e["repeats"] = f"{len(values)} values x {repeats} repeats is over {MAX_RUNS} runs"
            return {}
    return {"param": param, "values": values, "repeats": repeats}


def _model_name(form: dict) -> str | None:
    m = form.get("model")
    return m if m in MODEL_NAMES else None


def sweep_settings_text() -> str:
    from .sweepable import settings_text

    return settings_text()


def _lr_range(form: dict, e: dict) -> dict:
    """An LR range test's first and last LR and its steps: {"lr_start": ...} or {}."""
    if not any(_given(form, k) for k in ("lr_start", "lr_end", "lr_steps")):
        return {}
    start = _number(form, e, "lr_start", 0, MAX_LR)
    end = _number(form, e, "lr_end", 0, MAX_LR)
    steps = _number(form, e, "lr_steps", MIN_LR_STEPS, MAX_LR_STEPS, integer=True)
    for name, v in (("lr_start", start), ("lr_end", end)):
        if v == 0:
            e[name] = "must be above 0 (the test sweeps the LR on a log scale)"
    if start and end and end <= start:
        e["lr_end"] = f"must be above the first LR ({start:g})"
    if "lr_start" in e or "lr_end" in e or steps is None:
        return {}
    return {"lr_start": start, "lr_end": end, "lr_steps": steps}


FIELD_WORDS = {"lr_start": "LR from:", "lr_end": "LR to:", "lr_steps": "Steps:"}


def sweep_values(param: str, text: str, model: str | None = None) -> tuple[tuple, str]:
    """A sweep's values as the window's field gives them: (values, "") or ((), the problem).
    `param` is a key of sweepable.SWEEPABLE (or its CLI word); `model` the form's model."""
    e: dict[str, str] = {}
    got = _sweep({"sweep_param": param, "sweep_values": text, "model": model}, e)
    return got.get("values", ()), next(iter(e.values()), "")


def lr_range(start: str, end: str, steps: str) -> tuple[tuple | None, str]:
    """An LR range test's fields: ((start, end, steps), "") or (None, the first problem)."""
    e: dict[str, str] = {}
    got = _lr_range({"lr_start": start, "lr_end": end, "lr_steps": steps}, e)
    if e:
        name, why = next(iter(e.items()))
        return None, f"{FIELD_WORDS[name]} {why}"
    return (got["lr_start"], got["lr_end"], got["lr_steps"]), ""


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


def check_device(value) -> tuple[str | None, str | None]:
    """(the device for pick_device, None) or (None, the problem in one sentence)."""
    e: dict[str, str] = {}
    d = _device({"device": value}, e)
    return (None if d == "auto" else d, None) if not e else (None, e["device"])


def describe(cfg: TrainConfig, computed: str | None = None) -> str:
    """One line a run list can show: the settings that tell runs apart. `computed`: the
    precision a finished run computed in (its final figures), said when "auto" chose bfloat16
    or a run asked for one it could not have (bfloat16 on MPS computes in float32)."""
    m, drop = _model_words(cfg.model)
    precision = cfg.precision if cfg.precision != "auto" else None
    if precision is None and computed == "bfloat16":
        precision = "bfloat16 (auto)"
    elif precision is not None and computed is not None and computed != precision:
        precision = f"{computed} ({precision} asked)"
    return (
        f"{m}, {cfg.optimizer} lr {cfg.lr:g} ({cfg.schedule}), batch {cfg.batch_size}, "
        f"{cfg.epochs} ep"
        + drop
        + (", aug" if cfg.augment else "")
        + (f", L2 {cfg.weight_decay:g}" if cfg.weight_decay else "")
        + (f", smoothing {cfg.label_smoothing:g}" if cfg.label_smoothing else "")
        + (f", {cfg.train_size:,} digits" if cfg.train_size else "")
        + (f", patience {cfg.patience}" if cfg.patience else "")
        + (f", {precision}" if precision else "")
    )


def _model_words(mc: ModelConfig) -> tuple[str, str]:
    """The model's name, with its hidden sizes (an MLP's other than the course's 256-128) or its
    width (a CNN's other than ×1), and its dropout where it is not the MLP's usual 0.2: the
    overfitting preset's runs without dropout and with 0.5 read alike, as did the topology
    preset's three MLPs."""
    usual = ModelConfig()
    if mc.name != "mlp":
        return (mc.name if mc.width == 1.0 else f"{mc.name} ×{mc.width:g}"), ""
    name = "mlp" if tuple(mc.hidden) == usual.hidden else "mlp " + "-".join(map(str, mc.hidden))
    if mc.dropout == usual.dropout:
        return name, ""
    return name, ", no dropout" if not mc.dropout else f", dropout {mc.dropout:g}"


def describe_run(kind: str, cfg: TrainConfig, final: dict) -> str:
    """A run list's line for a run of `kind`: an LR range test says the range and steps it ran
    (from its final figures; while it runs, only what it is), any other run its settings."""
    if kind != "lr-find":
        return describe(cfg, (final or {}).get("precision"))
    head = f"{cfg.model.name}, {cfg.optimizer}, batch {cfg.batch_size}: LR range test"
    lo, hi, n = (final or {}).get("lr_from"), (final or {}).get("lr_to"), (final or {}).get("steps")
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lo, hi, n)):
        return head
    text = f"{head} {lo:.2g}→{hi:.2g}, {int(n)} steps"
    best = final.get("suggested_lr")
    if isinstance(best, int | float) and math.isfinite(best):
        text += f", suggested {best:.2g}"
    return text
