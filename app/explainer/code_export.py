"""File → Export as NumPy script… / Export as PyTorch script…: the network on screen as the
standalone script `backprop-studio export-code` writes. The path is checked before anything is
built; writing a script of at most 10,000 written numbers takes milliseconds, so it runs here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from engine.numpy_engine.codegen import ExportError, export_script
from engine.numpy_engine.network import Network
from engine.numpy_engine.spec import load_network_file, parse_network
from engine.numpy_engine.spec_write import spec_to_dict

TITLES = {"numpy": "Export as NumPy script", "torch": "Export as PyTorch script"}


def export_code_dialog(w, flavour: str) -> None:
    ex = w.explainer
    if ex.net is None:
        return
    name = f"{Path(ex.source).stem if ex.source else 'network'}_{flavour}.py"
    path, _ = QFileDialog.getSaveFileName(w, TITLES[flavour], name, "Python scripts (*.py)")
    if path:
        export_code(w, flavour, path)


def export_code(w, flavour: str, path: str) -> bool:
    """Writes the script to `path`; a refusal is one sentence in the window, nothing written."""
    from engine.atomic import atomic_write_bytes
    from engine.safe_io import UnwritablePath, check_output_path

    ex = w.explainer
    try:
        out = check_output_path(path, "the script")
        net, edited_later = script_network(ex)
        text = export_script(net, flavour, _source(ex) if net is ex.net else None, out)
        atomic_write_bytes(out, text.encode("utf-8"))
    except (ExportError, UnwritablePath) as e:
        w.show_error(f"Script not written: {e}")
        return False
    except OSError as e:
        w.show_error(f"Script not written: {e.strerror or e}")
        return False
    said = f"wrote {out}: run it with python {out} --steps N"
    if edited_later:
        said += (
            f". It trains from step 1: the weight you edited at step {edited_later} is not in it"
            " (an edit at step 1, or Network → Apply, is)"
        )
    w.statusBar().showMessage(said, 15000)
    return True


def script_network(ex) -> tuple[Network, int | None]:
    """The network the script trains from step 1, and the first later step whose weights were
    edited on the drawing (None: none). An edit at step 1 changes the weights the training
    starts from, so it is written into the script (it printed the file's numbers, not the
    window's); an edit later changes a state the script only reaches by training, so it is
    said rather than written."""
    first, net = ex.history[0], ex.net
    if first.before.t == 0 and not _same(first.before.params, net.initial_state().params):
        net = net.with_spec(parse_network(spec_to_dict(ex.spec, first.before.params)))
    later = (
        r.t for prev, r in zip(ex.history, ex.history[1:], strict=False)
        if not _same(prev.after.params, r.before.params)
    )  # fmt: skip
    return net, next(later, None)


def _same(a, b) -> bool:
    return all(
        np.array_equal(x, y) for (wa, ba), (wb, bb) in zip(a, b, strict=True)
        for x, y in ((wa, wb), (ba, bb))
    )  # fmt: skip


def _source(ex) -> Path | None:
    """The network file, when the network on screen is still exactly what it holds (a large
    network's script reads its weights or data from it)."""
    if not ex.source:
        return None
    try:
        same = load_network_file(ex.source) == ex.spec
    except (ValueError, OSError):
        return None
    return Path(ex.source) if same else None


def code_actions(w) -> list:
    """The File menu's two script exports and key C (the Code panel), for the action table."""
    from app.shared.actions import Action

    from .code_panel import toggle_code

    def export(f: str):
        return w.guard(lambda: export_code_dialog(w, f))

    return [
        *(Action(f"export_{f}_script", f"{t}…", "File", (), export(f)) for f, t in TITLES.items()),
        Action(
            "code",
            "Code of this number",
            "View",
            ("C",),
            w.guard(lambda: toggle_code(w)),
            "Show or hide the Code panel: the lines of NumPy (or PyTorch) behind the current number",
        ),
    ]
