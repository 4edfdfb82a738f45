"""The network editor: layers and neurons, activation per layer, freezing, dropout, loss, optimizer
and its settings, regularization, batch size, initialisation. "Apply" (always visible, marked
while changes are pending) builds a network-file dict; the engine validates it and a bad value is
shown in red beside its field, in plain words, with nothing changed. A field changes on the mouse
wheel only when it has the focus, so scrolling the panel never edits it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.shared.fields import (
    ERROR_STYLE,
    FIELD_ERROR_STYLE,
    ComboBox,
    DoubleSpinBox,
    SpinBox,
    error_label,
)
from engine.numpy_engine.activations import ACTIVATIONS
from engine.numpy_engine.fields import NetworkFileError
from engine.numpy_engine.limits import MAX_ROWS, MAX_UNITS
from engine.numpy_engine.losses import LOSSES
from engine.numpy_engine.optimizers import OPTIMIZERS, USUAL_LR
from engine.numpy_engine.spec import INIT_SCHEMES, MAX_LR, NetworkSpec, spec_to_dict

from .help_text import OPTIMIZER_NAMES, plain_error

COLS = ("units", "activation", "dropout", "freeze W", "freeze b")
HYPER = {  # field -> (label, min, max, decimals)
    "lr": ("learning rate η", 1e-6, MAX_LR, 6),
    "momentum": ("momentum μ", 0.0, 0.999, 3),
    "beta1": ("β1", 0.0, 0.999, 3),
    "beta2": ("β2", 0.0, 0.99999, 5),
    "rho": ("ρ", 0.0, 0.999, 3),
}


class EditorPanel(QWidget):
    applied = Signal(dict, bool)  # the network-file dict; keep the current weights if shapes fit
    pending_changed = Signal(bool)  # True while there are changes not applied yet

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()  # the fields scroll when the dock is short; Apply stays below
        scroll.setWidgetResizable(True)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        lay = QVBoxLayout(body)
        self._spec: NetworkSpec | None = None
        self._filling = False  # True while set_spec fills the fields: no change is pending
        self._lr_typed = False  # the user set a learning rate: a new optimizer keeps it
        self.pending = False
        self.field_errors: dict[str, QLabel] = {}  # network-file field -> its red note
        self._layers_box(lay)
        form = QFormLayout()
        self._settings_form(form)
        lay.addLayout(form)
        self.keep = QCheckBox("keep the current weights")
        self.keep.setToolTip("Apply keeps the trained weights where the layer shapes allow")
        self.keep.setChecked(True)
        lay.addWidget(self.keep)
        lay.addStretch(1)
        outer.addWidget(self._apply_bar())

    def _layers_box(self, lay: QVBoxLayout) -> None:
        self.table = QTableWidget(0, len(COLS))
        self.table.setHorizontalHeaderLabels(COLS)
        self.table.verticalHeader().setVisible(True)
        self.table.setMinimumWidth(220)
        self.table.setMinimumHeight(170)  # five layers visible without scrolling
        lay.addWidget(QLabel("<b>Layers</b> (0 is the input)"))
        lay.addWidget(self.table, 1)
        self.layer_error = error_label()  # a layer's problem, under the table
        lay.addWidget(self.layer_error)
        row = QHBoxLayout()
        add, rem = QPushButton("Add hidden layer"), QPushButton("Remove layer")
        add.clicked.connect(self.add_layer)
        rem.clicked.connect(self.remove_layer)
        row.addWidget(add)
        row.addWidget(rem)
        lay.addLayout(row)

    def _add(self, form: QFormLayout, label: str, widget: QWidget, field: str = "") -> None:
        """A form row: the field, and under it its red note (hidden while there is none)."""
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(1)
        col.addWidget(widget)
        if field:
            self.field_errors[field] = error_label()
            col.addWidget(self.field_errors[field])
        form.addRow(label, box)
        self._watch(widget)

    def _settings_form(self, form: QFormLayout) -> None:
        self.loss = ComboBox()
        self.loss.addItems(list(LOSSES))
        self._add(form, "loss", self.loss, "loss")
        self.optimizer = ComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZER_NAMES.get(name, name), name)
        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        self._add(form, "optimizer", self.optimizer, "optimizer")
        self.hyper: dict[str, QDoubleSpinBox] = {}
        for key, (label, lo, hi, dec) in HYPER.items():
            sp = DoubleSpinBox()
            sp.setRange(lo, hi)
            sp.setDecimals(dec)
            sp.setSingleStep(10 ** -min(dec, 3))
            self.hyper[key] = sp
            self._add(form, label, sp, f"optimizer.{key}")
        self.hyper["lr"].valueChanged.connect(self._lr_edited)
        self.l1, self.l2 = DoubleSpinBox(), DoubleSpinBox()
        for sp in (self.l1, self.l2):
            sp.setRange(0, 10)
            sp.setDecimals(5)
            sp.setSingleStep(0.001)
        self._add(form, "L1 λ1", self.l1, "regularization.l1")
        self._add(form, "L2 λ2", self.l2, "regularization.l2")
        self.batch = SpinBox()
        self.batch.setRange(0, MAX_ROWS)
        self.batch.setSpecialValueText("full batch")
        self._add(form, "batch size", self.batch, "training.batch_size")
        self.shuffle = QCheckBox("reshuffle every epoch")
        self._add(form, "", self.shuffle, "training.shuffle")
        self.init = ComboBox()
        self.init.addItems(list(INIT_SCHEMES))
        self._add(form, "initialisation", self.init, "init.scheme")
        self.seed = SpinBox()
        self.seed.setRange(0, 10**6)
        self._add(form, "seed", self.seed, "init.seed")

    def _apply_bar(self) -> QWidget:
        """Apply, what it will do, and why it did not: outside the scroll area, always seen."""
        bar = QWidget()
        lay = QVBoxLayout(bar)
        lay.setContentsMargins(6, 4, 6, 6)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("use the changes above: the network is rebuilt")
        self.apply_button.clicked.connect(self.apply)
        lay.addWidget(self.apply_button)
        self.hint = QLabel()  # what the editor did by itself, e.g. the usual learning rate
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555555")
        lay.addWidget(self.hint)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # it repeats what was typed
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        lay.addWidget(self.message)
        return bar

    # ---- pending changes ----
    def _watch(self, w: QWidget) -> None:
        """Any change of `w` by the user marks the editor's changes pending."""
        for sig in ("valueChanged", "currentIndexChanged", "toggled"):
            if hasattr(w, sig):
                getattr(w, sig).connect(self._changed)

    def _changed(self, *_a) -> None:
        if not self._filling:
            self._set_pending(True)

    def _set_pending(self, on: bool) -> None:
        if on == self.pending:
            return
        self.pending = on
        self.apply_button.setText("Apply (changes pending)" if on else "Apply")
        font = self.apply_button.font()
        font.setBold(on)
        self.apply_button.setFont(font)
        self.pending_changed.emit(on)

    # ---- the optimizer's usual learning rate ----
    def _optimizer_changed(self, _i: int) -> None:
        name = self.optimizer.currentData()
        self._enable_hyper(name)
        if self._filling or self._lr_typed or name not in USUAL_LR:
            return
        lr = USUAL_LR[name]
        sp = self.hyper["lr"]
        sp.blockSignals(True)
        sp.setValue(lr)
        sp.blockSignals(False)
        self.hint.setText(f"lr set to {lr:g}, {OPTIMIZER_NAMES.get(name, name)}'s usual value")

    def _lr_edited(self, _v: float) -> None:
        if not self._filling:
            self._lr_typed = True
            self.hint.setText("")

    # ---- rows ----
    def _set_row(self, r: int, units: int, act: str, dropout: float, fw: bool, fb: bool):
        sp = SpinBox()
        sp.setRange(1, MAX_UNITS)
        sp.setValue(units)
        combo = ComboBox()
        combo.addItems(list(ACTIVATIONS))
        combo.setCurrentText(act)
        dsp = DoubleSpinBox()
        dsp.setRange(0, 0.95)
        dsp.setSingleStep(0.05)
        dsp.setValue(dropout)
        boxes = [QCheckBox(), QCheckBox()]
        for cb, on in zip(boxes, (fw, fb), strict=True):
            cb.setChecked(on)
        for c, w in enumerate((sp, combo, dsp, *boxes)):
            w.setEnabled(r > 0 or c == 0)
            self.table.setCellWidget(r, c, w)
            self._watch(w)

    def _relabel(self) -> None:
        """Rows are numbered as layers are everywhere else: 0 is the input."""
        n = self.table.rowCount()
        self.table.setVerticalHeaderLabels(
            ["0 in" if r == 0 else f"{r} out" if r == n - 1 else str(r) for r in range(n)]
        )

    def add_layer(self) -> None:
        r = max(1, self.table.rowCount() - 1)  # insert before the output layer
        self.table.insertRow(r)
        self._set_row(r, 3, "tanh", 0.0, False, False)
        self._relabel()
        self._changed()

    def remove_layer(self) -> None:
        r = self.table.currentRow()
        if self.table.rowCount() <= 2:
            self.message.setText("A network needs an input and an output layer.")
            return
        if r <= 0 or r >= self.table.rowCount() - 1:
            r = self.table.rowCount() - 2  # the last hidden layer
        self.table.removeRow(r)
        self._relabel()
        self._changed()

    # ---- to and from a spec ----
    def set_spec(self, spec: NetworkSpec) -> None:
        """Show a network's settings: what is shown is what is applied, nothing is pending."""
        images = spec.layers[0].kind == "input" or any(lay.kind != "dense" for lay in spec.layers)
        self.setEnabled(not images)  # conv, pooling and flatten layers are edited in the file
        self.setToolTip("edit a network with image layers in its file" if images else "")
        self._spec = spec
        self._filling = True
        try:
            self._fill(spec)
        finally:
            self._filling = False
        self._lr_typed = False
        self.hint.setText("")
        self.clear_errors()
        self._set_pending(False)

    def _fill(self, spec: NetworkSpec) -> None:
        self.table.setRowCount(len(spec.layers))
        for r, lay in enumerate(spec.layers):
            self._set_row(
                r,
                lay.units,
                lay.activation if r else "linear",
                lay.dropout,
                "weights" in lay.frozen,
                "bias" in lay.frozen,
            )
        self._relabel()
        self.table.resizeColumnsToContents()
        self.loss.setCurrentText(spec.loss)
        self.optimizer.setCurrentText(spec.optimizer.name)
        for key, sp in self.hyper.items():
            sp.setValue(getattr(spec.optimizer, key))
        self.l1.setValue(spec.regularization.l1)
        self.l2.setValue(spec.regularization.l2)
        self.batch.setValue(spec.training.batch_size or 0)
        self.shuffle.setChecked(spec.training.shuffle)
        self.init.setCurrentText(spec.init.scheme)
        self.seed.setValue(spec.init.seed)
        self._enable_hyper(spec.optimizer.name)

    def _enable_hyper(self, name: str) -> None:
        used = OPTIMIZERS[name].hyper if name in OPTIMIZERS else ()
        for key, sp in self.hyper.items():
            sp.setEnabled(key in used)

    def optimizer_name(self) -> str:
        return self.optimizer.currentData() or self.optimizer.currentText()

    def to_dict(self) -> dict:
        base = spec_to_dict(self._spec) if self._spec is not None else {}
        layers = []
        for r in range(self.table.rowCount()):
            units = self.table.cellWidget(r, 0).value()
            if r == 0:
                layers.append({"units": units})
                continue
            d = {"units": units, "activation": self.table.cellWidget(r, 1).currentText()}
            if self.table.cellWidget(r, 2).value() > 0:
                d["dropout"] = round(self.table.cellWidget(r, 2).value(), 4)
            frozen = [
                p
                for c, p in ((3, "weights"), (4, "bias"))
                if self.table.cellWidget(r, c).isChecked()
            ]
            if frozen:
                d["frozen"] = frozen
            layers.append(d)
        name = self.optimizer_name()
        used = OPTIMIZERS[name].hyper  # only the settings this optimizer reads
        opt = {"name": name}
        opt.update({k: sp.value() for k, sp in self.hyper.items() if k in used})
        base.update(
            layers=layers,
            loss=self.loss.currentText(),
            optimizer=opt,
            regularization={"l1": self.l1.value(), "l2": self.l2.value()},
            training={
                "batch_size": self.batch.value() or None,
                "shuffle": self.shuffle.isChecked(),
                "seed": base.get("training", {}).get("seed", 0),
            },
            init={"scheme": self.init.currentText(), "seed": self.seed.value()},
        )
        return base

    def apply(self) -> None:
        self.clear_errors()
        self.applied.emit(self.to_dict(), self.keep.isChecked())

    # ---- problems, beside their fields ----
    def clear_errors(self) -> None:
        self.message.setText("")
        for label in (self.layer_error, *self.field_errors.values()):
            label.clear()
            label.hide()
        for r in range(self.table.rowCount()):
            for c in range(len(COLS)):
                w = self.table.cellWidget(r, c)
                if w is not None and w.styleSheet():
                    w.setStyleSheet("")

    def show_error(self, text: str, exc: BaseException | None = None) -> None:
        """The engine's refusal in plain words: in red under the field (or the layer's row) it
        is about, and under Apply; the file's own field name is kept there for file editors. The
        field comes structured on the exception (NetworkFileError.layer, .key), never parsed."""
        self.clear_errors()
        plain = plain_error(text, exc)
        field = exc if isinstance(exc, NetworkFileError) and exc.field else None
        note = self._note_for(field) if field is not None else None
        if note is not None:
            note.setText(plain)
            note.show()
        where = f" (in the network file: {field.field})" if field is not None else ""
        self.message.setText(f"Not applied. {plain}{where}")

    def _note_for(self, err: NetworkFileError) -> QLabel | None:
        """The red note for a network-file field; a layer's cell is outlined in red too."""
        if err.layer is not None:
            row = err.layer
            col = {"units": 0, "activation": 1, "dropout": 2}.get(err.key)
            if col is not None and self.table.cellWidget(row, col) is not None:
                self.table.cellWidget(row, col).setStyleSheet(FIELD_ERROR_STYLE)
                self.table.selectRow(row)
            return self.layer_error
        key = "optimizer" if err.key == "optimizer.name" else err.key
        return self.field_errors.get(key)
