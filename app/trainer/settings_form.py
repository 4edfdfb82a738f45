"""A run's settings: model (or a layer list with its parameter count, live), optimizer, schedule,
epochs, batch size, learning rate, dropout, L2, augmentation, seed, validation size, training-set
size, early-stopping patience, device.
Numbers are typed, so anything can be typed: the engine's `settings.check` judges every field and
its sentence appears in red beside that field. The form never computes anything itself."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qthrottled

from app.shared.fields import ComboBox
from app.shared.theme import ERROR_RED
from engine.torch_engine.device import PRECISIONS, DeviceChoice
from engine.torch_engine.models import ModelConfig, layers_for
from engine.torch_engine.settings import (
    DEVICES,
    MODEL_NAMES,
    RECIPES,
    USUAL_LR,
    Checked,
    check,
    format_layers,
)
from engine.torch_engine.training import OPTIMIZER_NAMES, SCHEDULES, TrainConfig

MAX_TEXT, MAX_FIELD = 20_000, 200  # characters a restored layer list or field keeps
DEFAULT_LAYERS = "conv 8 5 relu\npool 2\nconv 16 3 relu\npool 2\nflatten\ndense 10"
NUMBER_FIELDS = (  # (name, label, tooltip)
    ("epochs", "Epochs", "passes over the training set"),
    ("batch_size", "Batch size", "samples per step"),
    ("lr", "Learning rate", "the step size (the peak for one-cycle)"),
    ("dropout", "Dropout", "probability of dropping a hidden unit (MLP)"),
    ("weight_decay", "L2", "weight decay"),
    (
        "label_smoothing",
        "Label smoothing",
        "ε: the training loss aims at 1 − ε + ε/10 for the label and ε/10 for each other digit "
        "(0 to 0.5; 0: plain cross-entropy). Test and validation losses stay plain",
    ),
    ("seed", "Seed", "weights, data order, dropout and augmentation"),
    ("val_size", "Validation", "training images held out to measure validation loss"),
    (
        "train_size",
        "Training digits",
        "a fixed, seeded subset of the training digits, balanced over the classes (at least "
        "100); empty: all of them. The validation hold-out stays separate",
    ),
    (
        "patience",
        "Early stopping",
        "patience: epochs without a better validation loss before the run stops and keeps "
        "its best epoch's weights; 0: off (needs a validation hold-out)",
    ),
)


class SettingsForm(QWidget):
    changed = Signal()  # any field edited

    def __init__(self, parent=None):
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.labels: dict[str, str] = {}
        self._lr_typed = False
        self._custom_text = DEFAULT_LAYERS
        self._device_names: dict[str, DeviceChoice] = {}  # device choice -> what it gives here
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.model = self._combo("model", MODEL_NAMES)
        self._row(form, "model", "Model", self.model)
        self.layers = QPlainTextEdit(DEFAULT_LAYERS)
        self.layers.setTabChangesFocus(True)
        self.layers.setToolTip(
            "one layer per line: conv FILTERS KERNEL [relu] [pad P] [bn], pool 2, avgpool 2, "
            "bn [relu], flatten, dense UNITS [relu], dropout P; end with dense 10"
        )
        self.layers.setFixedHeight(110)
        self.fields["layers"] = self.layers
        self._row(form, "layers", "Layers", self.layers)
        self.params = QLabel()
        form.addRow("Parameters", self.params)
        self.optimizer = self._combo("optimizer", OPTIMIZER_NAMES)
        self._row(form, "optimizer", "Optimizer", self.optimizer)
        self.schedule = self._combo("schedule", SCHEDULES)
        self._row(form, "schedule", "LR schedule", self.schedule)
        for name, label, tip in NUMBER_FIELDS:
            edit = QLineEdit()
            edit.setToolTip(tip)
            self.fields[name] = edit
            self._row(form, name, label, edit)
        self.augment = QCheckBox("random shifts and rotations")
        self.fields["augment"] = self.augment
        self._row(form, "augment", "Augment", self.augment)
        self.device = self._combo("device", DEVICES)
        self._row(form, "device", "Device", self.device)
        self.precision = self._combo("precision", PRECISIONS)
        self.precision.setToolTip(
            "the forward pass and loss; auto: bfloat16 autocast for a model with convolutions on "
            "a CPU that multiplies bfloat16 natively (faster, the same accuracy), else float32. "
            "Weights, optimizer and every evaluation stay float32"
        )
        self._row(form, "precision", "Precision", self.precision)
        self.device_name = QLabel()
        self.device_name.setTextFormat(Qt.TextFormat.PlainText)
        self.device_name.setWordWrap(True)
        form.addRow("", self.device_name)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(form)
        self._fill_defaults()
        self.model.currentTextChanged.connect(self._model_changed)
        self.optimizer.currentTextChanged.connect(self._optimizer_changed)
        self.fields["lr"].textEdited.connect(self._lr_edited)
        for w in self.fields.values():
            sig = getattr(w, "textChanged", None) or getattr(w, "toggled", None)
            sig = getattr(w, "currentTextChanged", sig)
            sig.connect(self._edited)
        self._model_changed(self.model.currentText())

    def _combo(self, name: str, items) -> QComboBox:
        c = ComboBox()
        c.addItems(list(items))
        c.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change on a wheel without focus
        self.fields[name] = c
        return c

    def _row(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        self.labels[name] = label  # what a problem with the field is called (the form's word)
        err = QLabel()
        err.setTextFormat(Qt.TextFormat.PlainText)  # it repeats what was typed
        err.setObjectName(f"error_{name}")
        err.setStyleSheet(f"color: {ERROR_RED};")
        err.setWordWrap(True)
        err.hide()
        self.errors[name] = err
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(widget)
        box.addWidget(err)
        form.addRow(label, box)

    def _fill_defaults(self) -> None:
        self.model.setCurrentText("fast-cnn")
        self.optimizer.setCurrentText("adam")
        for name, text in (
            ("batch_size", "128"),
            ("dropout", "0.2"),
            ("weight_decay", "0"),
            ("seed", "0"),
            ("val_size", "5000"),
            ("train_size", ""),
            ("patience", "0"),
        ):
            self.fields[name].setText(text)
        self.fields["train_size"].setPlaceholderText("all")
        self._recipe("fast-cnn")

    def _recipe(self, model: str) -> None:
        lr, sched, epochs, smoothing = RECIPES[model]
        self.fields["lr"].setText(f"{lr:g}")
        self.schedule.setCurrentText(sched)
        self.fields["epochs"].setText(str(epochs))
        self.fields["label_smoothing"].setText(f"{smoothing:g}")

    # ---- reactions ----
    def _model_changed(self, name: str) -> None:
        """A built-in model shows its layers (read-only); custom gets back what was typed."""
        custom = name == "custom"
        if self.layers.isEnabled() and not custom:
            self._custom_text = self.layers.toPlainText()
        self.layers.setEnabled(custom)
        self.layers.setPlainText(
            self._custom_text if custom else format_layers(layers_for(ModelConfig(name=name)))
        )
        self.fields["dropout"].setEnabled(name in ("mlp",))
        if not self._lr_typed:
            self._recipe(name)

    def _optimizer_changed(self, name: str) -> None:
        """A new optimizer gets its usual learning rate unless the user typed one."""
        if not self._lr_typed:
            self.fields["lr"].setText(f"{USUAL_LR[name]:g}")

    def _lr_edited(self, _text: str) -> None:
        self._lr_typed = True

    def _edited(self, *_a) -> None:
        self.changed.emit()
        self._live_check()

    @qthrottled(timeout=150)
    def _live_check(self) -> None:
        self.check()

    # ---- reading and writing ----
    def values(self) -> dict:
        d = {n: w.text() for n, w in self.fields.items() if isinstance(w, QLineEdit)}
        d.update({n: w.currentText() for n, w in self.fields.items() if isinstance(w, QComboBox)})
        d["layers"] = self.layers.toPlainText()
        d["augment"] = self.augment.isChecked()
        return d

    def set_values(self, d: object, lr_typed: bool = True) -> None:
        """Fill the form from `values()` of an earlier session (the trainer's settings file):
        the model first (its recipe), then each field. What is not such a value (a damaged or
        edited file: another type, a choice no box has) leaves that field as it is."""
        if not isinstance(d, dict):
            return
        model, layers = d.get("model"), d.get("layers")
        if model == "custom" and isinstance(layers, str):
            self._custom_text = layers[:MAX_TEXT]
        if isinstance(model, str) and self.model.findText(model) >= 0:
            self.model.setCurrentText(model)
        for name, w in self.fields.items():
            v = d.get(name)
            if isinstance(w, QLineEdit) and isinstance(v, str):
                w.setText(v[:MAX_FIELD])
            elif isinstance(w, QComboBox) and name != "model" and isinstance(v, str):
                if w.findText(v) >= 0:
                    w.setCurrentText(v)
            elif isinstance(w, QCheckBox) and isinstance(v, bool):
                w.setChecked(v)
        self._lr_typed = bool(lr_typed)

    def check(self) -> Checked:
        """Judge every field; show each problem beside its field; the count of parameters. A
        greyed-out dropout (a model without it) is not judged: a bad value typed for the MLP
        blocked every run of the fast CNN from a field that cannot be edited, and hid the custom
        layer list's own error."""
        form = self.values()
        if not self.fields["dropout"].isEnabled():
            form["dropout"] = f"{ModelConfig().dropout:g}"
        result = check(form)
        for name, label in self.errors.items():
            msg = result.errors.get(name, "")
            label.setText(msg)
            label.setVisible(bool(msg))
        self.params.setText(f"{result.parameters:,}" if result.parameters is not None else "—")
        self.device_name.setText("" if "device" in result.errors else self._device_text(result))
        return result

    def _device_text(self, result: Checked) -> str:
        """The device a choice gives, found once per choice (not at every keystroke; the
        window's runs train in a child, on the threads it leaves beside the GUI), and the
        precision the run will compute in when the settings are right."""
        from engine.torch_engine.device import beside_gui_threads, pick_device, resolve_precision
        from engine.torch_engine.models import convolves

        dev = self.device.currentText()
        if dev not in self._device_names:
            self._device_names[dev] = pick_device(
                None if dev == "auto" else dev, beside_gui_threads()
            )
        choice = self._device_names[dev]
        cfg = result.config
        if cfg is None:
            return choice.name
        precision = resolve_precision(cfg.precision, choice.device.type, convolves(cfg.model))
        return f"{choice.name}, {precision.words}"

    def set_config(self, cfg: TrainConfig) -> None:
        """Fill the form from a run's settings (reopening a run, or 'use this LR')."""
        m = cfg.model
        self._lr_typed = True
        self.model.setCurrentText(m.name)
        if m.name == "custom":
            self._custom_text = format_layers(m.layers)
            self.layers.setPlainText(self._custom_text)
        self.optimizer.setCurrentText(cfg.optimizer)
        self.schedule.setCurrentText(cfg.schedule)
        for name, value in (
            ("epochs", cfg.epochs),
            ("batch_size", cfg.batch_size),
            ("lr", f"{cfg.lr:g}"),
            ("dropout", f"{m.dropout:g}"),
            ("weight_decay", f"{cfg.weight_decay:g}"),
            ("label_smoothing", f"{cfg.label_smoothing:g}"),
            ("seed", cfg.seed),
            ("val_size", cfg.val_size),
            ("train_size", getattr(cfg, "train_size", None) or ""),
            ("patience", cfg.patience),
        ):
            self.fields[name].setText(str(value))
        self.augment.setChecked(cfg.augment)
        self.device.setCurrentText(cfg.device or "auto")
        self.precision.setCurrentText(cfg.precision)

    def set_lr(self, lr: float) -> None:
        self._lr_typed = True
        self.fields["lr"].setText(f"{lr:.3g}")
