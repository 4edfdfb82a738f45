"""The "Inside the model" tab: the selected run's checkpoint, looked into. The panel loads the
model and the test set off the GUI thread, hands the numbers the engine computes to its views
(confusion matrix, mistakes, first-layer filters, a drawing pad, feature maps, gradient noise,
augmentation), and offers the transfer-learning experiment (the window runs it as a job)."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.shared.plot_style import plot_scale, style_scene
from app.shared.theme import LECTURER, NORMAL
from app.trainer.insides.augment_view import AugmentView
from app.trainer.insides.common import Tasks
from app.trainer.insides.confusion_view import ConfusionView
from app.trainer.insides.draw_view import DrawView
from app.trainer.insides.features_view import FeaturesView
from app.trainer.insides.filters_view import FiltersView
from app.trainer.insides.mistakes_view import MistakesView
from app.trainer.insides.noise_view import NoiseView
from app.trainer.insides.weights_view import WeightsView
from engine.torch_engine.checkpoint import load_checkpoint
from engine.torch_engine.gradient_noise import noise_of_run
from engine.torch_engine.insides import feature_maps, predict_all
from engine.torch_engine.mnist import load_mnist

NOISE_SET = 10_000  # training digits whose gradient stands for the full gradient
NOISE_DRAWS = 12  # mini-batches per batch size


def load_source(checkpoint: str, data_dir: str, cached):
    """Worker: (checkpoint, MNIST, test-set predictions); `cached` is MNIST already read or None."""
    ck = load_checkpoint(checkpoint)
    data = cached if cached is not None else load_mnist(data_dir)
    return ck, data, predict_all(ck.model, data.test_x, data.test_y)


def measure_noise(model, data, n: int = NOISE_SET, draws: int = NOISE_DRAWS):
    """Worker generator: gradient_noise's points for a copy of `model` on n training digits."""
    yield from noise_of_run(model, data.train_x, data.train_y, n, draws)


class InsidesPanel(QWidget):
    transfer_requested = Signal()
    failed = Signal(str)  # one sentence
    loaded = Signal()  # a run's model and its test-set figures are shown
    open_network = Signal(str)  # a digit's network file, for the explainer

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = self.data = self.ck = None
        self._data_key: str | None = None
        self.tasks = Tasks(self)
        self.label_dialog: QInputDialog | None = None  # a drawing's true label, asked for
        self.tasks.failed.connect(self.failed)
        self.title = QLabel("select a finished run in the run list to look inside its model")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a run's name is in it
        self.transfer_button = QPushButton("Transfer learning: digits 0–4 → 5–9")
        self.transfer_button.setToolTip(
            "Train a CNN on 0–4, freeze its convolutions and retrain the classifier on 500 digits "
            "5–9, beside the same model trained from scratch on them"
        )
        self.transfer_button.clicked.connect(self.transfer_requested)
        self.step_button = QPushButton("Step through this digit")
        self.step_button.setToolTip(
            "Open the explainer on the digit shown here (a mistake, a confusion cell's worst "
            "digit, the feature maps' digit or your drawing), going through this model"
        )
        self.step_button.clicked.connect(self.step_through)
        self.row = None  # the run looked at
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.step_button)
        row.addWidget(self.transfer_button)
        self.confusion, self.mistakes = ConfusionView(), MistakesView()
        self.filters, self.draw, self.features = FiltersView(), DrawView(), FeaturesView()
        self.noise, self.augment, self.weights = NoiseView(), AugmentView(), WeightsView()
        self.views = {
            "Confusion": self.confusion,
            "Mistakes": self.mistakes,
            "First layer": self.filters,
            "Draw a digit": self.draw,
            "Feature maps": self.features,
            "Batch size noise": self.noise,
            "Augmentation": self.augment,
            "Weights over time": self.weights,
        }
        self.tabs = QTabWidget()
        for name, view in self.views.items():
            self.tabs.addTab(view, name)
        self.tabs.currentChanged.connect(self._step_where_a_digit_is)
        self._step_where_a_digit_is()
        self.features.digit_changed.connect(self.compute_features)
        self.noise.measure_button.clicked.connect(self.measure_noise)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.tabs, 1)
        for label in self.findChildren(QLabel):  # notes wrap: at the lecturer's type size a
            label.setWordWrap(True)  # long one made the window wider than the screen
        self.set_lecturer(False)  # the trainer's light look until lecturer mode

    def show_run(self, row, data_dir, store=None) -> None:
        """Look inside `row`'s model (a RunRow), with the test set from `data_dir` (and its
        weight histograms from `store`, a RunStore)."""
        if store is not None:
            try:
                self.weights.set_records(store.records(row.id, ("histograms",)))
            except (OSError, ValueError) as e:  # RunStoreError is a ValueError
                self.failed.emit(f"weights over time: {e}")
        ck = getattr(row, "checkpoint", None)
        if not ck or not Path(ck).is_file():
            self.title.setText(f"{row.name}: no model saved for this run")
            return
        self.title.setText(f"{row.name}: loading its model and the test set…")
        key = str(data_dir)
        cached = self.data if key == self._data_key else None
        self._data_key = key
        self.tasks.run(
            "load", load_source, ck, key, cached, on_result=lambda r: self._loaded(row, r)
        )

    def _loaded(self, row, result) -> None:
        ck, data, preds = result
        self.ck, self.model, self.data, self.row = ck, ck.model, data, row
        acc = float((preds.labels == preds.predicted).mean()) if len(preds.labels) else 0.0
        self.title.setText(f"inside {row.name} ({ck.config.model.name}): {100 * acc:.2f}% on test")
        self.confusion.set_predictions(preds, data.test_x)
        self.mistakes.set_predictions(preds, data.test_x)
        self.filters.set_model(ck.model)
        self.draw.set_model(ck.model)
        self.tasks.cancel("noise")  # the last model's measurement: not shown for this one
        self.noise.clear()
        self.features.set_digits(data.test_x, data.test_y)
        self.augment.set_digits(data.test_x)
        self.compute_features(self.features.index.value())
        self.loaded.emit()

    def _step_where_a_digit_is(self, _index: int = 0) -> None:
        """ "Step through this digit" only where a view shows a digit (from Weights over time it
        opened a box saying to go elsewhere)."""
        digits = (self.mistakes, self.confusion, self.features, self.draw)
        self.step_button.setEnabled(self.tabs.currentWidget() in digits)

    def step_through(self) -> None:
        """Export the digit on screen with this run's model; the explainer opens it."""
        from app.trainer.insides.step_through import current_digit

        got = current_digit(self)
        if isinstance(got, str):
            self.failed.emit(f"Step through this digit: {got}")
            return
        image, label, index, words = got
        if index is None:  # a drawing has no label: ask for it (the model's answer offered)
            self._ask_label(image, label)
            return
        self._export(image, label, index, words)

    def _ask_label(self, image, answer: int) -> None:
        """The true label of a drawn digit, before it opens: its loss and every gradient in the
        explainer are taken against it (against the model's own answer they are near zero)."""
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Step through your drawing")
        dlg.setInputMode(QInputDialog.InputMode.IntInput)
        dlg.setIntRange(0, 9)
        dlg.setIntValue(answer)
        dlg.setLabelText(
            "Which digit did you draw? The explainer computes the loss and the gradients\n"
            f"against this label (offered: the model's answer, {answer})."
        )
        dlg.intValueSelected.connect(
            lambda v: self._export(image, int(v), None, f"your drawing (labelled {int(v)})")
        )
        dlg.open()
        self.label_dialog = dlg

    def _export(self, image, label: int, index, words: str) -> None:
        from app.trainer.insides.step_through import export_digit

        self.title.setText(f"writing {words} through {self.row.name} for the explainer…")
        shown = copy.deepcopy(self.ck)  # the model on screen (its file is rewritten each epoch)
        self.tasks.run(
            "export", export_digit, shown, image, label, index, self.row.id,
            on_result=self._exported,
        )  # fmt: skip

    def _exported(self, result: tuple[str, str]) -> None:
        path, error = result
        self.title.setText(f"inside {self.row.name}")
        if error:
            self.failed.emit(f"Step through this digit: {error}")
        else:
            self.open_network.emit(path)

    def compute_features(self, k: int) -> None:
        if self.model is None:
            return
        model, img = self.model, self.data.test_x[k]
        self.tasks.run(
            "features",
            lambda: (k, *feature_maps(model, img)),
            on_result=self.features.show_maps,
        )

    def measure_noise(self) -> None:
        if self.model is None:
            self.failed.emit("select a finished run first")
            return
        self.noise.begin(min(NOISE_SET, len(self.data.train_x)))
        w = self.tasks.run("noise", measure_noise, self.model, self.data, on_yield=self.noise.add)
        w.finished.connect(self.noise.done)

    def current_scene(self):
        return self.tabs.currentWidget().scene

    def set_lecturer(self, on: bool) -> None:
        scale = plot_scale(on)
        for view in self.views.values():
            style_scene(view.scene, dark=on, scale=scale)
            if hasattr(view, "set_scale"):
                view.set_scale(scale)
            if hasattr(view, "set_theme"):  # the explainer's sign colours of this look
                view.set_theme(LECTURER if on else NORMAL)
            if hasattr(view, "bar"):  # a ColorBarItem: its axis is not a plot's
                font = QFont()
                font.setPointSizeF(9 * scale)
                view.bar.axis.setStyle(tickFont=font, autoExpandTextSpace=True)
                view.bar.axis.setWidth(None)  # room for the larger labels
                view.bar.axis.setTextPen("w" if on else "k")
                view.bar.axis.label.setFont(font)

    def shutdown(self) -> None:
        """Stop every computation and wait for its thread (the window is closing)."""
        self.tasks.shutdown()
