"""'Step through this digit': the digit a view shows (a mistake, a confusion-matrix cell's
worst digit, the feature maps' digit, or the drawing) goes into the explainer, number by number,
through the model being looked at. The engine writes the network file (export.export_network);
this module only picks the digit and names the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.torch_engine.drawing import preprocess_drawing


def digit_folder() -> Path:
    """Where the exported digit files go: the user's cache folder (they can be rebuilt)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("backprop-studio", appauthor=False)) / "digits"


def current_digit(panel):
    """(image uint8 (28, 28), target label, test index or None, words) for the view on screen,
    or a sentence saying what to choose first."""
    view, data = panel.tabs.currentWidget(), panel.data
    if data is None or panel.model is None:
        return "select a run that has a model first"
    if view is panel.mistakes:
        k = panel.mistakes.current
        if k is None:
            return "click a misclassified digit first"
        return data.test_x[k], int(data.test_y[k]), k, f"test digit {k}"
    if view is panel.confusion:
        idx = getattr(panel.confusion, "cell_digits", None)
        if idx is None or not len(idx):
            return "click a cell with digits in it first"
        k = int(idx[0])
        return data.test_x[k], int(data.test_y[k]), k, f"test digit {k} (its cell's worst)"
    if view is panel.features:
        k = panel.features.index.value()
        return data.test_x[k], int(data.test_y[k]), k, f"test digit {k}"
    if view is panel.draw:
        if not np.any(panel.draw.canvas()):
            return "draw a digit first"
        image = preprocess_drawing(panel.draw.canvas())
        answer = int(np.argmax(panel.draw.probs))  # offered as the label the panel asks for
        return image, answer, None, "your drawing"
    return "open Mistakes, Confusion, Feature maps or Draw a digit to choose a digit"


def export_digit(checkpoint, image, label: int, index, run_id: int) -> tuple[str, str]:
    """Runs in a worker: (the network file's path, '') for this digit through `checkpoint` (the
    Checkpoint on screen, a copy), or ('', the reason it could not be written)."""
    from engine.torch_engine.export import export_network, write_network_file

    try:
        net = export_network(
            checkpoint, np.asarray(image, np.uint8)[None], np.array([label]),
            indices=None if index is None else [index],
        )  # fmt: skip
        folder = digit_folder()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"run{run_id}-{'drawn' if index is None else f'test{index}'}.json"
        return str(write_network_file(folder / name, net)), ""
    except (ValueError, OSError) as e:  # ExportError, CheckpointError, UnwritablePath
        return "", str(e)
