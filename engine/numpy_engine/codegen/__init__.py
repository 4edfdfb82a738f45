"""The network as code: standalone NumPy and PyTorch scripts that reproduce the trace
(`export-code`), and the few lines of NumPy that compute one event (the explainer's Code panel)."""

from __future__ import annotations

from pathlib import Path

from ..network import Network
from .parts import MAX_WRITTEN, ExportError, plan

FLAVOURS = ("numpy", "torch")


def export_script(
    net: Network, flavour: str, source: str | Path | None = None, target: str | Path | None = None
) -> str:
    """The script's text. `source`: the network file, read by the script when the network or its
    data is over MAX_WRITTEN values (by its name alone when `target`, the script's path, is in the
    same folder). Raises ExportError for a network it cannot write."""
    p = plan(
        net,
        Path(source).expanduser() if source is not None else None,
        Path(target).expanduser() if target is not None else None,
    )
    if flavour == "numpy":
        from .numpy_script import numpy_script

        return numpy_script(p)
    if flavour == "torch":
        from .torch_script import torch_script

        return torch_script(p)
    raise ValueError(f"unknown flavour {flavour!r}; known: {', '.join(FLAVOURS)}")


__all__ = ["FLAVOURS", "MAX_WRITTEN", "ExportError", "export_script"]
