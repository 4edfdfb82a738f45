"""The network editor: layers and neurons, activation per layer, freezing, dropout, loss, optimizer
and its settings, regularization, batch size, initialisation. "Apply" builds a network-file dict;
the engine validates it and a bad value is shown here in red, with nothing changed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from engine.numpy_engine.activations import ACTIVATIONS
from engine.numpy_engine.limits import MAX_ROWS, MAX_UNITS
from engine.numpy_engine.losses import LOSSES
from engine.numpy_engine.optimizers import OPTIMIZERS
from engine.numpy_engine.spec import INIT_SCHEMES, MAX_LR, NetworkSpec, spec_to_dict

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

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLS))
        self.table.setHorizontalHeaderLabels(COLS)
        self.table.verticalHeader().setVisible(True)
        self.table.setMinimumWidth(220)
        self.table.setMinimumHeight(170)  # five layers visible without scrolling
        lay.addWidget(QLabel("<b>Layers</b> (0 is the input)"))
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        add, rem = QPushButton("Add hidden layer"), QPushButton("Remove layer")
        add.clicked.connect(self.add_layer)
        rem.clicked.connect(self.remove_layer)
        row.addWidget(add)
        row.addWidget(rem)
        lay.addLayout(row)
        form = QFormLayout()
        self.loss = QComboBox()
        self.loss.addItems(list(LOSSES))
        form.addRow("loss", self.loss)
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.currentTextChanged.connect(self._enable_hyper)
        form.addRow("optimizer", self.optimizer)
        self.hyper: dict[str, QDoubleSpinBox] = {}
        for key, (label, lo, hi, dec) in HYPER.items():
            sp = QDoubleSpinBox()
            sp.setRange(lo, hi)
            sp.setDecimals(dec)
            sp.setSingleStep(10 ** -min(dec, 3))
            self.hyper[key] = sp
            form.addRow(label, sp)
        self.l1, self.l2 = QDoubleSpinBox(), QDoubleSpinBox()
        for sp in (self.l1, self.l2):
            sp.setRange(0, 10)
            sp.setDecimals(5)
            sp.setSingleStep(0.001)
        form.addRow("L1 λ1", self.l1)
        form.addRow("L2 λ2", self.l2)
        self.batch = QSpinBox()
        self.batch.setRange(0, MAX_ROWS)
        self.batch.setSpecialValueText("full batch")
        form.addRow("batch size", self.batch)
        self.shuffle = QCheckBox("reshuffle every epoch")
        form.addRow("", self.shuffle)
        self.init = QComboBox()
        self.init.addItems(list(INIT_SCHEMES))
        form.addRow("initialisation", self.init)
        self.seed = QSpinBox()
        self.seed.setRange(0, 10**6)
        form.addRow("seed", self.seed)
        lay.addLayout(form)
        self.keep = QCheckBox("keep current weights when the shapes allow")
        self.keep.setChecked(True)
        lay.addWidget(self.keep)
        apply_btn = QPushButton("Apply")
        apply_btn.clicked.connect(self.apply)
        lay.addWidget(apply_btn)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c00000")
        lay.addWidget(self.message)
        self._spec: NetworkSpec | None = None

    # ---- rows ----
    def _set_row(self, r: int, units: int, act: str, dropout: float, fw: bool, fb: bool):
        sp = QSpinBox()
        sp.setRange(1, MAX_UNITS)
        sp.setValue(units)
        self.table.setCellWidget(r, 0, sp)
        combo = QComboBox()
        combo.addItems(list(ACTIVATIONS))
        combo.setCurrentText(act)
        combo.setEnabled(r > 0)
        self.table.setCellWidget(r, 1, combo)
        dsp = QDoubleSpinBox()
        dsp.setRange(0, 0.95)
        dsp.setSingleStep(0.05)
        dsp.setValue(dropout)
        dsp.setEnabled(r > 0)
        self.table.setCellWidget(r, 2, dsp)
        for c, on in ((3, fw), (4, fb)):
            cb = QCheckBox()
            cb.setChecked(on)
            cb.setEnabled(r > 0)
            self.table.setCellWidget(r, c, cb)

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

    def remove_layer(self) -> None:
        r = self.table.currentRow()
        if self.table.rowCount() <= 2:
            self.message.setText("a network needs an input and an output layer")
            return
        if r <= 0 or r >= self.table.rowCount() - 1:
            r = self.table.rowCount() - 2  # the last hidden layer
        self.table.removeRow(r)
        self._relabel()

    # ---- to and from a spec ----
    def set_spec(self, spec: NetworkSpec) -> None:
        images = spec.layers[0].kind == "input" or any(lay.kind != "dense" for lay in spec.layers)
        self.setEnabled(not images)  # conv, pooling and flatten layers are edited in the file
        self.setToolTip("edit a network with image layers in its file" if images else "")
        self._spec = spec
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
        self.message.setText("")
        self._enable_hyper(spec.optimizer.name)

    def _enable_hyper(self, name: str) -> None:
        used = OPTIMIZERS[name].hyper if name in OPTIMIZERS else ()
        for key, sp in self.hyper.items():
            sp.setEnabled(key in used)

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
        name = self.optimizer.currentText()
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
        self.message.setText("")
        self.applied.emit(self.to_dict(), self.keep.isChecked())

    def show_error(self, text: str) -> None:
        self.message.setText(text)
