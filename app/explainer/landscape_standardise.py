"""Standardising inputs as a switch in the Data tab, with each input's mean and standard deviation
shown. On: the network is rebuilt aside on the standardised data (written inline into its file, so
a saved session holds the numbers trained on) and switched to only when its first step is finite;
off: the network from before comes back. Data that is standardised already (a file's, as
ravine_standardised's) shows the box ticked and greyed: there is nothing to switch off to. The
maths is engine/numpy_engine/landscape_data.py.

Hooked in with one call, `add_standardise_switch(window)`; it adds its two rows to the Data tab.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QCheckBox, QLabel

from engine.numpy_engine import Network
from engine.numpy_engine.landscape_data import (
    already_standardised,
    inline,
    standardise,
    stats_text,
)

from . import loading

SWITCH_TIP = "each input column minus its mean, divided by its standard deviation"
GIVEN_TIP = "this network's inputs are standardised already: each has mean 0 and sd 1"


def _standardised(raw: Network) -> loading.Prepared:
    data, _, _ = standardise(raw.data)
    net = Network(replace(raw.spec, data=inline(data)), data, raw.dtype)
    return loading.Prepared(net, loading.first_step(net), info=f"inputs standardised: {data.name}")


def _restored(raw: Network) -> loading.Prepared:
    return loading.Prepared(raw, loading.first_step(raw), info="inputs as they were")


class StandardiseSwitch(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.box = QCheckBox("standardise inputs: (x − mean) / sd")
        self.box.setToolTip(SWITCH_TIP)
        self.stats = QLabel("")
        self.stats.setTextFormat(Qt.TextFormat.PlainText)  # a CSV header's names are in it
        self.stats.setWordWrap(True)
        lay = window.data_panel.layout()  # the form, the description, the stretch
        lay.insertWidget(1, self.box)
        lay.insertWidget(2, self.stats)
        self.before: tuple[Network, Network] | None = None  # (raw, standardised) while on
        self.box.toggled.connect(window.guard(self._toggled))
        window.explainer.network_changed.connect(window.guard(self._shown))

    def _toggled(self, on: bool) -> None:
        ex = self.w.explainer
        if ex.net is None or ex.net.data is None:
            self._shown()
            return
        if on and self.before is None:
            raw = ex.net
            if ex.load_prepared(lambda: _standardised(raw), "Inputs not standardised: "):
                self.before = (raw, ex.net)
        elif not on and self.before is not None and self.before[1] is ex.net:
            raw = self.before[0]
            self.before = None
            ex.load_prepared(lambda: _restored(raw), "Inputs not restored: ")
        self._shown()

    def _shown(self) -> None:
        """The box says whether the data on screen is the standardised one; the label its stats."""
        ex = self.w.explainer
        if self.before is not None and self.before[1] is not ex.net:
            self.before = None  # another network or data was opened
        data = ex.net.data if ex.net is not None else None
        given = self.before is None and data is not None and already_standardised(data)
        self.box.blockSignals(True)
        self.box.setChecked(self.before is not None or given)
        self.box.setEnabled(not given)
        self.box.blockSignals(False)
        self.box.setToolTip(GIVEN_TIP if given else SWITCH_TIP)
        stats = stats_text(data) if data is not None else ""
        self.stats.setText(f"already standardised: {stats}" if given else stats)


def add_standardise_switch(window) -> StandardiseSwitch:
    return StandardiseSwitch(window)
