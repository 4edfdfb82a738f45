"""Stepping controls: back, next, phase jumps, next training step, play with a speed slider,
continuous training, and the sample stepping keeps (all, or one sample of the batch). Buttons
only emit; the window connects them to the explainer."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.shared.fields import ComboBox, Slider
from engine.numpy_engine.stream import DEFAULT_SPEED, SPEEDS

PHASE_BUTTONS = (
    ("1 Forward", "forward"),
    ("2 Loss", "loss"),
    ("3 Backward", "backward"),
    ("4 Update", "update"),
)


def _button(lay, text: str, tip: str, signal=None, *args) -> QPushButton:
    """A button in `lay` that emits `signal(*args)` when clicked (if given); it takes no keyboard
    focus: keys belong to the window's shortcuts."""
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if signal is not None:
        b.clicked.connect(lambda: signal.emit(*args))
    lay.addWidget(b)
    return b


class StepControls(QWidget):
    back = Signal()
    next = Signal()
    home = Signal()
    end = Signal()
    phase = Signal(str)
    next_step = Signal()
    train_toggled = Signal(bool)
    train_speed = Signal(float)  # steps a second for continuous training (0: full speed)
    sample_chosen = Signal(object)  # a batch position, or None: every sample

    def __init__(self, parent=None):
        super().__init__(parent)
        rows = QVBoxLayout(self)  # two rows, so the window fits a 1024-pixel projector
        rows.setContentsMargins(4, 2, 4, 2)
        rows.setSpacing(2)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(top)
        rows.addLayout(bottom)
        phases, playing = QHBoxLayout(), QHBoxLayout()  # the bottom row's halves (fit_width)
        bottom.addLayout(phases)
        bottom.addLayout(playing, 1)
        self._rows, self._top, self._bottom = rows, top, bottom
        self._phases, self._playing, self.wrapped = phases, playing, False
        _button(top, "|◀ Start", "start of this step (Home)", self.home)
        _button(top, "◀ Back", "previous number (Left, PageUp)", self.back)
        _button(top, "Next ▶", "next number (Space, Right, PageDown)", self.next)
        _button(top, "End ▶|", "last number of this step (End)", self.end)
        _button(top, "Next step ▶▶", "the next full training step (N)", self.next_step)
        for text, name in PHASE_BUTTONS:
            _button(phases, text, f"jump to the {name} phase ({text[0]})", self.phase, name)
        self._playing_controls(playing)
        self.position = QLabel()
        self.position.setTextFormat(Qt.TextFormat.PlainText)
        self.position.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.position.setMinimumWidth(60)  # long text is elided by the layout, never widens it
        top.addWidget(self.position, 1)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.next.emit)
        self._speed_changed(self.speed.value())

    def _playing_controls(self, lay: QHBoxLayout) -> None:
        """Play and its speed, continuous training and its pace, the sample stepping keeps."""
        self.play = _button(lay, "Play", "step automatically (P)")
        self.play.setCheckable(True)
        self.play.toggled.connect(self._play_toggled)
        self.speed = Slider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 20)
        self.speed.setValue(6)
        self.speed.setFixedWidth(110)
        self.speed.setToolTip("play speed: numbers per second")
        self.speed.valueChanged.connect(self._speed_changed)
        lay.addWidget(self.speed)
        self.train = _button(lay, "Train", "train continuously; press again to pause (T)")
        self.train.setCheckable(True)
        self.train.toggled.connect(self.train_toggled.emit)
        self.train_pace = ComboBox()  # continuous training's pace: watch it learn, or race
        for v in SPEEDS:
            self.train_pace.addItem(f"{v:,} steps/s" if v else "full speed", v)
        self.train_pace.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.train_pace.setToolTip("continuous training's speed (T): steps a second")
        self.train_pace.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window
        self.train_pace.currentIndexChanged.connect(
            lambda i: self.train_speed.emit(float(self.train_pace.itemData(i)))
        )
        lay.addWidget(self.train_pace)
        lay.addWidget(QLabel("Sample"))
        self.sample = SampleBox()
        self.sample.valueChanged.connect(self._sample_changed)
        lay.addWidget(self.sample)
        lay.addStretch(1)

    def _speed_changed(self, v: int) -> None:
        self.timer.setInterval(int(1000 / v))

    def _play_toggled(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def set_training(self, on: bool) -> None:
        self.train.blockSignals(True)
        self.train.setChecked(on)
        self.train.setText("Pause training" if on else "Train")
        self.train.blockSignals(False)
        if on:
            self.play.setChecked(False)

    def set_position(self, text: str) -> None:
        self.position.setText(text)

    def position_on_its_own_line(self, on: bool) -> None:
        """Lecturer mode: the position gets a third row of its own, so its large type is read in
        full ("step 1 · event 4,033 / 8,317 · mini-batch of 4 · loss 0.6937"), never elided."""
        self._rows.removeWidget(self.position)
        self._top.removeWidget(self.position)
        last = self._top.itemAt(self._top.count() - 1)
        if last is not None and last.spacerItem() is not None:
            self._top.removeItem(last)  # the stretch that kept the buttons to the left
        if on:
            self._top.addStretch(1)
            self._rows.addWidget(self.position)
        else:
            self._top.addWidget(self.position, 1)

    def fit_width(self, width: int) -> None:
        """The play, train and sample controls on a row of their own when the bottom row is
        wider than `width` px (lecturer type over a 1366-px wall's drawing: "1 Forward" read
        " Forwar" and the pace "100 ste"), back beside the phase buttons when it fits."""
        gap = self._bottom.spacing()
        m = self.contentsMargins()
        need = (self._phases.sizeHint().width() + gap + self._playing.sizeHint().width()
                + m.left() + m.right() + 8)  # fmt: skip
        wrap = need > width
        if wrap == self.wrapped:
            return
        self.wrapped = wrap
        if wrap:
            self._bottom.removeItem(self._playing)
            self._rows.insertLayout(2, self._playing)
        else:
            self._rows.removeItem(self._playing)
            self._bottom.addLayout(self._playing, 1)
        self.updateGeometry()

    def _sample_changed(self, v: int) -> None:
        self.sample.clearFocus()  # the keys go back to stepping (Space, arrows)
        QTimer.singleShot(0, self.sample.lineEdit().deselect)  # after the box selects it all
        self.sample_chosen.emit(None if v < 0 else v)

    def set_batch(self, n: int) -> None:
        """Offer samples 0 … n−1 of a batch of n (and all); a shown choice beyond it → all."""
        self.sample.blockSignals(True)
        self.sample.setMaximum(max(0, n) - 1)
        self.sample.blockSignals(False)

    def set_sample(self, s: int | None) -> None:
        """Show the explainer's choice without choosing again."""
        self.sample.blockSignals(True)
        self.sample.setValue(-1 if s is None else s)
        self.sample.blockSignals(False)


class SampleBox(QSpinBox):
    """−1 reads "all"; 0 … n−1 a sample of the batch. A typed number counts on Enter."""

    def __init__(self):
        super().__init__()
        self.setRange(-1, -1)
        self.setSpecialValueText("all")
        self.setPrefix("#")  # a place in the batch: #1 of a shuffled mini-batch may be row 11
        self.setKeyboardTracking(False)  # "12" is one choice, not 1 then 12
        self.setMinimumWidth(70)
        self.setToolTip(
            "step through one sample of the batch (its forward, loss, δs), then the batch's "
            "summed gradients and updates; 'all' steps through every event. The number is the "
            "sample's place in the batch (#0 first); the formula names its data row"
        )
