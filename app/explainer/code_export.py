"""File → Export as NumPy script… / Export as PyTorch script…: the network on screen as the
standalone script `backprop-studio export-code` writes. The path is checked before anything is
built; writing a script of at most 10,000 written numbers takes milliseconds, so it runs here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from engine.numpy_engine.codegen import ExportError, export_script, start_network
from engine.numpy_engine.spec import load_network_file

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
        net, edited_later = start_network(ex.net, ex.spec, ex.history)
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
