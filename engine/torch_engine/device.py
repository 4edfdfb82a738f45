"""Where training runs: CUDA, then Apple MPS, then CPU, with the reason said in words."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class DeviceChoice:
    device: torch.device  # where tensors and the model live
    reason: str  # one sentence a user can read
    name: str  # e.g. "NVIDIA H100", "CPU (2 threads)"


def pick_device(preferred: str | None = None, threads: int | None = None) -> DeviceChoice:
    """`preferred` is "cuda", "mps", "cpu" or None (the best available). `threads`: the CPU
    threads training will use where that is not this process's count (the window trains in a
    child that takes `beside_gui_threads()`), so what the form says is what the run reports."""
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if preferred in (None, "auto", "cuda") and cuda:
        name = torch.cuda.get_device_name(0)
        return DeviceChoice(torch.device("cuda"), f"CUDA is available ({name})", name)
    if preferred in (None, "auto", "mps") and mps:
        return DeviceChoice(torch.device("mps"), "Apple MPS is available", "Apple GPU (MPS)")
    why = {
        "cuda": "CUDA was asked for but is not available (no NVIDIA GPU or a CPU-only torch)",
        "mps": "MPS was asked for but is not available",
        "cpu": "the CPU was asked for",
    }.get(preferred or "", "no GPU was found (no CUDA, no MPS)")
    n = torch.get_num_threads() if threads is None else threads
    words = f"{n} thread" + ("" if n == 1 else "s")
    return DeviceChoice(
        torch.device("cpu"), f"{why}; training on the CPU with {words}", f"CPU ({words})"
    )


def beside_gui_threads() -> int:
    """The threads a run beside a window trains with: one core is left to the window."""
    return max(1, (os.cpu_count() or 2) - 1)


def threads_beside_gui() -> int:
    """Leave one core to the GUI thread when training on the CPU next to a window."""
    n = beside_gui_threads()
    torch.set_num_threads(n)
    return n


def fast_layout(model: nn.Module) -> nn.Module:
    """A conv model trained on the CPU keeps its maps channels-last (oneDNN's own layout: its
    training step took 0.5-0.75 of the time in NCHW here). Elsewhere, and without convolutions,
    the model is left as it is. The numbers are the same computation in another memory order."""
    first = next(model.parameters(), None)
    on_cpu = first is not None and first.device.type == "cpu"
    if on_cpu and has_conv(model):
        model.to(memory_format=torch.channels_last)
    return model


PRECISIONS = ("auto", "float32", "bfloat16")  # a run's forward pass and loss


@functools.cache
def cpu_bf16_native() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX tiles). torch's
    probes are private, so a torch without them (or one that fails) counts as no."""
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        f = getattr(torch.cpu, probe, None)
        try:
            if f is not None and f():
                return True
        except Exception:  # noqa: BLE001 - a probe that fails answers no
            continue
    return False


def has_conv(model: nn.Module) -> bool:
    """Whether the model convolves (channels-last and bfloat16 pay on a CPU only then)."""
    return any(isinstance(m, nn.Conv2d) for m in model.modules())


def uses_bf16(precision: str, device: str, conv: bool) -> bool:
    """Whether a run computes its forward pass in bfloat16 autocast up to its last dense layer
    (that layer, the loss, the weights, the optimizer and every evaluation stay float32).
    "bfloat16" asks for it on CUDA and the CPU; "auto" takes it only where it measured faster at
    the same accuracy: a model with convolutions on a CPU with native bfloat16 (the fast CNN's
    epoch 0.79x the time, LeNet's step 1.6x as fast; its recipe's accuracy unchanged:
    bench/train_mnist.py). On CUDA these small models ran slower in bf16 (the casts add
    launches) and the MLP on a CPU gained nothing clear, so both stay float32. MPS: float32."""
    if precision == "float32" or device.startswith("mps"):
        return False
    if precision == "bfloat16":
        return True
    return device == "cpu" and conv and cpu_bf16_native()


def precision_words(bf16: bool, precision: str, device: str) -> str:
    """The clause a run's Start adds to its device sentence."""
    if not bf16:
        if precision == "bfloat16" and device.startswith("mps"):
            return "computing in float32 (bfloat16 is not used on MPS)"
        return "computing in float32"
    if device.startswith("cuda") or precision == "bfloat16" and not cpu_bf16_native():
        return "forward pass in bfloat16"
    return "forward pass in bfloat16 (native on this CPU)"


@dataclass(frozen=True)
class Precision:
    """What a run computes in, resolved once from its setting, device and model."""

    bf16: bool  # the forward pass in bfloat16 autocast up to the last dense layer
    words: str  # the clause the device sentence ends with

    @property
    def name(self) -> str:  # Start.precision
        return "bfloat16" if self.bf16 else "float32"


def resolve_precision(precision: str, device: str, conv: bool) -> Precision:
    """A run's Precision: `uses_bf16` and its `precision_words`, in one place for the training
    loop, the LR range test and the trainer's form."""
    bf16 = uses_bf16(precision, device, conv)
    return Precision(bf16, precision_words(bf16, precision, device))


def head_start(layers) -> int:
    """The index of the last dense layer of a Sequential's layers (len when there is none): from
    it on, a bfloat16 run computes in float32, so the logits and the loss are not rounded to
    bfloat16's 8 bits (that rounding cost the fast CNN's one-epoch recipe about 0.04 points of
    test accuracy: seeds 0-5, one thread, 5,000 held out, 98.95-99.15% against 99.02-99.16%
    with a float32 head, which matches float32 throughout)."""
    dense = [i for i, m in enumerate(layers) if isinstance(m, nn.Linear)]
    return dense[-1] if dense else len(layers)


def forward(model: nn.Sequential, x: torch.Tensor, bf16: bool, device: str) -> torch.Tensor:
    """The model's logits: in bfloat16 autocast up to its last dense layer when `bf16`, that
    layer and what follows in its weights' dtype (float32). autocast leaves float64 alone."""
    if not bf16:
        return model(x)
    k = head_start(model)
    with autocast(True, device):
        h = model[:k](x)
    return model[k:](h.to(model[k].weight.dtype)) if k < len(model) else h


def autocast(bf16: bool, device: str):
    """bfloat16 autocast (see `forward` for where it stops) when `uses_bf16` said so."""
    kind = "cuda" if device.startswith("cuda") else "cpu"
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=bf16 and kind in device)
