"""Where training runs: CUDA, then Apple MPS, then CPU, with the reason said in words."""

from __future__ import annotations

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
    if on_cpu and any(isinstance(m, nn.Conv2d) for m in model.modules()):
        model.to(memory_format=torch.channels_last)
    return model


def autocast(amp: bool, device: str):
    """bfloat16 autocast for the forward pass when a run asks for it and trains on CUDA."""
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp and device.startswith("cuda"))
