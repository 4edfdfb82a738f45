"""The typed records training and the experiments yield, in the order a run produces them:
Start, then Step and Eval (many), then at most one of Diverged or Cancelled, then Done. The LR
range test yields Start, LrPoint per step, then LrSuggestion (or Cancelled).

Each record is a frozen dataclass with a `kind` and a `to_dict()` of JSON-able values (what the
run store writes and the CLI prints); `from_dict` reads one back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # the records themselves need no torch (the run store reads them without it)
    from torch import nn

DONE_STATUSES = ("finished", "target reached", "early stopped", "cancelled", "diverged")
NO_RESULT = ("cancelled", "diverged")  # a run stopped before its end: readings leave it out


class _Record:
    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """{"kind": ..., field: value}: floats, ints, str, None, lists of floats (NaN allowed)."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name == "model":
                continue
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


@dataclass(frozen=True)
class Start(_Record):
    kind: ClassVar[str] = "start"
    device: str  # where the run trains: "cuda", "mps" or "cpu"
    device_reason: str  # why that device, one sentence
    device_name: str  # e.g. "NVIDIA H100", "CPU (2 threads)"
    parameters: int  # trainable and frozen parameters of the model
    steps_per_epoch: int  # batches per pass over the training set
    total_steps: int  # steps the run will take if nothing stops it
    train_size: int  # training samples (after limit and validation hold-out)
    layer_names: tuple[str, ...]  # parameterised layers, e.g. ("conv 1", "dense 1")
    label_smoothing: float = 0.0  # the training loss's ε (its Step losses are the smoothed loss)
    precision: str = "float32"  # the forward pass and loss: "float32" or "bfloat16" (autocast)


@dataclass(frozen=True)
class Step(_Record):
    kind: ClassVar[str] = "step"
    step: int  # optimizer steps done so far
    epoch: float  # passes over the training set so far (fractional)
    loss: float  # mean batch loss over the steps since the last Step record
    accuracy: float  # accuracy on the last batch
    lr: float  # learning rate of the last step
    samples_per_s: float  # training throughput since the last Step record
    grad_norm: float  # L2 norm of all gradients of the last step
    layer_grad_norms: tuple[float, ...]  # the same per layer, in Start.layer_names order
    elapsed: float  # seconds since the run started


@dataclass(frozen=True)
class Eval(_Record):
    kind: ClassVar[str] = "eval"
    step: int  # optimizer steps done when evaluated
    epoch: float  # passes over the training set when evaluated
    test_loss: float  # mean cross-entropy on the test set
    test_accuracy: float  # fraction of the test set classified right
    val_loss: float | None  # the same on the validation hold-out (None: none held out)
    val_accuracy: float | None  # ditto
    elapsed: float  # seconds since the run started
    train_loss: float | None = None  # the same on the training subset (or a fixed 10,000 of
    # it) in eval mode, at an epoch's end; None mid-epoch
    train_accuracy: float | None = None  # ditto
    model: nn.Module | None = field(default=None, compare=False, repr=False)  # at an epoch's end


@dataclass(frozen=True)
class Diverged(_Record):
    kind: ClassVar[str] = "diverged"
    step: int  # the first step whose loss (or weights) was not finite
    epoch: float  # passes over the training set at that point
    good_step: int  # the step whose weights were restored
    message: str  # one sentence for the user


@dataclass(frozen=True)
class Cancelled(_Record):
    kind: ClassVar[str] = "cancelled"
    step: int  # steps done when the cancel was seen
    epoch: float  # passes over the training set at that point
    message: str  # one sentence for the user


@dataclass(frozen=True)
class Done(_Record):
    kind: ClassVar[str] = "done"
    status: str  # one of DONE_STATUSES
    steps: int  # optimizer steps taken
    epochs: float  # passes over the training set taken (fractional)
    test_loss: float  # final mean test cross-entropy
    test_accuracy: float  # final test accuracy
    wall_seconds: float  # the run's duration
    seconds_to_target: float | None  # when target_accuracy was reached (None: not reached)
    device: str  # where it trained
    best_epoch: int | None = None  # the epoch whose weights the run ends with (the checkpoint's):
    # with early stopping the lowest validation loss's, else the last whole epoch (None: none)
    precision: str | None = None  # what it computed in (Start.precision; None: stored before)
    model: nn.Module | None = field(default=None, compare=False, repr=False)  # trained; not saved


@dataclass(frozen=True)
class LrPoint(_Record):
    kind: ClassVar[str] = "lr_point"
    step: int  # step of the range test (0-based)
    lr: float  # the learning rate used for this step
    loss: float  # the batch loss of this step
    smoothed: float  # bias-corrected exponential average of the losses so far


@dataclass(frozen=True)
class LrSuggestion(_Record):
    kind: ClassVar[str] = "lr_suggestion"
    lr: float  # the suggested learning rate
    rule: str  # one sentence: how it was chosen
    lrs: tuple[float, ...]  # every LR tried
    smoothed: tuple[float, ...]  # the smoothed loss at each


@dataclass(frozen=True)
class Histograms(_Record):
    """At each epoch end: where each layer's parameters and last gradients lie (histograms.py)."""

    kind: ClassVar[str] = "histograms"
    step: int  # optimizer steps done
    epoch: float  # passes over the training set (an epoch end)
    layer_names: tuple[str, ...]  # as Start.layer_names
    weight_edges: tuple[tuple[float, ...], ...]  # per layer: bin edges of its parameters' values
    weight_hist: tuple[tuple[int, ...], ...]  # per layer: parameters per bin
    grad_edges: tuple[tuple[float, ...], ...]  # per layer: bin edges of the last step's gradients
    grad_hist: tuple[tuple[int, ...], ...]  # per layer: gradients per bin


Record = Start | Step | Eval | Diverged | Cancelled | Done | LrPoint | LrSuggestion | Histograms
KINDS: dict[str, type] = {
    c.kind: c
    for c in (Start, Step, Eval, Diverged, Cancelled, Done, LrPoint, LrSuggestion, Histograms)
}


def from_dict(d: dict[str, Any]) -> Record:
    """The record a `to_dict()` (or a run store row) came from; extra keys such as seq are
    ignored, lists become tuples, a Done comes back without its model."""
    cls = KINDS.get(d.get("kind", ""))
    if cls is None:
        raise ValueError(f"unknown record kind {d.get('kind')!r}")
    names = {f.name for f in dataclasses.fields(cls)} - {"model"}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in names})
