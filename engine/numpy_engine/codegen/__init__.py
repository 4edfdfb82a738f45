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


def start_network(net: Network, spec, history) -> tuple[Network, int | None]:
    """The network a script trains from step 1, and the first later step whose weights were
    edited by hand (None: none). An edit before step 1 is written into it (the script printed
    the file's numbers, not the window's); a later one cannot be reached by training from step
    1, so the caller says it."""
    from ..edits import edits
    from ..spec import parse_network
    from ..spec_write import spec_to_dict

    start, later = edits(net, history)
    if start is not None:
        net = net.with_spec(parse_network(spec_to_dict(spec, start)))
    return net, later


__all__ = ["FLAVOURS", "MAX_WRITTEN", "ExportError", "export_script", "start_network"]
