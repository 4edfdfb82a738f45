"""Choosing what to learn: a preset (network and data), a built-in dataset, or a CSV file.
Presets come numbered in the course's order (assets/presets/ORDER.txt), and the preset box
always names what is loaded: the preset, "changed: …" once it was edited, or the own file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.shared.fields import ComboBox
from engine.numpy_engine import DATASETS
from engine.numpy_engine.spec import NetworkSpec, load_network_file, spec_to_dict

PRESET_DIR = Path(__file__).resolve().parents[2] / "assets" / "presets"
ORDER_FILE = PRESET_DIR / "ORDER.txt"
NOTHING = "— choose a preset —"


def course_order() -> list[str]:
    """The presets' file names (without .json) in the course's order."""
    try:
        lines = ORDER_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


def list_presets() -> list[tuple[str, Path]]:
    """(title, path) of every preset: the course's order first, any other preset after."""
    rank = {stem: i for i, stem in enumerate(course_order())}
    paths = sorted(PRESET_DIR.glob("*.json"), key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    out = []
    for p in paths:
        try:
            title = json.loads(p.read_text(encoding="utf-8")).get("name") or p.stem
        except (OSError, ValueError):
            continue
        out.append((title, p))
    return out


@lru_cache(maxsize=64)
def _preset_dict(path: str, mtime: float) -> dict | None:
    """A preset as the editor would write it back, to tell an unchanged preset from an edited
    one (mtime keys the cache: an edited file is read again)."""
    try:
        return spec_to_dict(load_network_file(path))
    except (OSError, ValueError):
        return None


def is_unchanged_preset(path: Path, spec: NetworkSpec) -> bool:
    try:
        want = _preset_dict(str(path), path.stat().st_mtime)
        return want is not None and spec_to_dict(spec) == want
    except (OSError, ValueError):
        return False


PARAMS = (
    "weights",
    "bias",
    "gamma",
    "beta",
    "running_mean",
    "running_var",
)  # what training changes


def is_trained_preset(path: Path, spec: NetworkSpec) -> bool:
    """Whether `spec` is the preset at `path` but for its weights, biases and batch-norm
    statistics (what a session of the preset, trained, holds)."""

    def shape(d: dict) -> dict:
        layers = [{k: v for k, v in lay.items() if k not in PARAMS} for lay in d["layers"]]
        return {**d, "layers": layers}

    try:
        want = _preset_dict(str(path), path.stat().st_mtime)
        return want is not None and shape(spec_to_dict(spec)) == shape(want)
    except (OSError, ValueError, KeyError, TypeError):
        return False


class DataPanel(QWidget):
    preset_chosen = Signal(str)  # path of a network file
    dataset_chosen = Signal(str)  # name of a built-in dataset
    csv_requested = Signal()  # the window asks for a file and imports it

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        self.presets = ComboBox()
        self.presets.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.presets.setMinimumContentsLength(18)
        self.presets.addItem(NOTHING, None)  # item 0 names a network that is not a preset
        for i, (title, path) in enumerate(list_presets(), 1):
            self.presets.addItem(f"{i}. {title}", str(path))
            self.presets.setItemData(i, title, Qt.ItemDataRole.ToolTipRole)
        self.presets.setToolTip("the course's worked examples, in the course's order")
        self.presets.activated.connect(self._preset)
        form.addRow("preset", self.presets)
        self.datasets = ComboBox()
        self.datasets.addItem("— choose a dataset —", None)
        for name in DATASETS:
            self.datasets.addItem(name, name)
        self.datasets.activated.connect(self._dataset)
        form.addRow("dataset", self.datasets)
        csv = QPushButton("Import CSV…")
        csv.clicked.connect(self.csv_requested.emit)
        form.addRow("", csv)
        self.description = QLabel()  # below the form: a form row clipped a long description
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.description.setTextFormat(Qt.TextFormat.PlainText)  # the file's own text: markup
        # in it was drawn (an <img> of a FIFO hung the window at every start)
        outer.addWidget(self.description)
        outer.addStretch(1)

    def _preset(self, i: int) -> None:
        if self.presets.itemData(i):
            self.preset_chosen.emit(self.presets.itemData(i))

    def _dataset(self, i: int) -> None:
        if self.datasets.itemData(i):
            self.dataset_chosen.emit(self.datasets.itemData(i))

    def show_dataset(self, name: str | None) -> None:
        """Show the built-in dataset in use (none: the prompt) without choosing it again."""
        i = self.datasets.findData(name) if name else -1
        self.datasets.setCurrentIndex(max(0, i))

    def set_description(self, text: str) -> None:
        if self.description.text() != text:  # the window's refresh sets it at every key
            self.description.setText(text)

    def show_loaded(
        self, source: str, spec: NetworkSpec, from_preset: bool = False, edited: bool = False
    ) -> None:
        """Name what is loaded in the preset box: the preset itself while it is unchanged (or
        `from_preset`: a session of it, trained), else item 0 says "changed: <name>" or the
        file's name. `edited`: a weight or bias was changed on the drawing since it loaded."""
        path = Path(source).resolve() if source else None
        i = self.presets.findData(str(path)) if path is not None else -1
        same = is_unchanged_preset(path, spec) if i > 0 and not edited else False
        from_preset = from_preset and not edited
        if i > 0 and (same or (from_preset and is_trained_preset(path, spec))):
            self.presets.setItemText(0, NOTHING)
            self.presets.setCurrentIndex(i)
            return
        if i > 0:
            text = f"changed: {self.presets.itemText(i)}"  # first: a narrow box (1366) cut
            # a last "(changed)" off, and the box read as the preset itself
        elif spec.name or path is not None:
            text = f"own network: {spec.name or path.name}"
        else:
            text = NOTHING
        self.presets.setItemText(0, text)
        self.presets.setCurrentIndex(0)
