"""The lesson player: a dock that shows a lesson's step text, its activity and the way on. A view
only: it emits what the learner does (an answer, a choice, a check, Next, Back) and shows what
the controller (lesson_mode.py) tells it; it grades nothing."""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.shared.fields import ComboBox
from app.shared.messages import plain_tip
from engine.lessons.lesson import TRAINER_ACTIONS

PAGES = ("none", "predict", "direction", "construct")


def _label(wrap: bool = True) -> QLabel:
    lab = QLabel()
    lab.setWordWrap(wrap)
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


_JOINS = re.compile(r"(?<=\])(?=\[)|(?<=\S/)(?=\S)")  # "][" and "∂L/∂a": no line break there


def unbroken(text: str) -> str:
    """`text` with a word joiner (U+2060, unseen) where a line must not break inside a symbol:
    the lesson's text wrapped "z[1]" / "[0]", "w[1]" / "[0][0]" and "∂L/" / "∂a[2][0]"."""
    return _JOINS.sub("\u2060", text)


# right and not quite: Okabe–Ito's green and vermilion on the wall's black (6:1), darker on the
# panel's grey (they were 3.0:1 and 3.3:1 there, under the 4.5:1 small text needs)
SAID_ON_BLACK = {True: "#009e73", False: "#d55e00", None: ""}
SAID_ON_GREY = {True: "#00704f", False: "#a84800", None: ""}


class LessonPlayer(QWidget):
    lesson_chosen = Signal(str)  # a lesson file's path
    open_requested = Signal()  # "Open lesson file…"
    reset_requested = Signal()  # forget this lesson's progress
    answered = Signal(str)  # the text typed
    revealed = Signal()  # "Show me" (no answer)
    need_changed = Signal()  # its least height changed (_fit_height): the dock makes room
    chosen = Signal(str)  # a direction's choice
    check_requested = Signal()  # construct: check my weights
    action_requested = Signal()  # "Open the trainer" of a step that works there
    next_requested = Signal()
    back_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("lessonPlayer")
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.lessons = ComboBox()
        self.lessons.setToolTip("the course's lessons, in the course's order")
        # as narrow as the dock wants, whatever its titles: shown again after lecturer mode it
        # took its longest title's width (393 px) and the row cut Check and Open off the dock
        self.lessons.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.lessons.setMinimumContentsLength(12)
        self.lessons.activated.connect(self._picked)
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self.open_requested)
        self.reset_button = QPushButton("Reset progress")
        self.reset_button.clicked.connect(self.reset_requested)
        top.addWidget(self.lessons, 1)
        top.addWidget(self.open_button)
        top.addWidget(self.reset_button)
        lay.addLayout(top)
        self.title, self.where, self.text = _label(), _label(), _label()
        for w in (self.title, self.where, self.text):
            lay.addWidget(w)
        self.pages = QStackedWidget()
        self.pages.addWidget(QWidget())
        self.pages.addWidget(self._predict_page())
        self.pages.addWidget(self._direction_page())
        self.pages.addWidget(self._construct_page())
        lay.addWidget(self.pages)
        self.pages.currentChanged.connect(self._page_sized)
        self._page_sized(0)
        self.action_button = QPushButton("Open the trainer")
        self.action_button.clicked.connect(self.action_requested)
        self.action_button.hide()
        lay.addWidget(self.action_button)
        self.feedback = _label()
        self.feedback.setObjectName("lessonFeedback")
        lay.addWidget(self.feedback)
        nav = QHBoxLayout()
        self.back_button = QPushButton("◀ Back (PgUp)")
        self.next_button = QPushButton("Next (PgDown) ▶")
        self.back_button.clicked.connect(self.back_requested)
        self.next_button.clicked.connect(self.next_requested)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        lay.addLayout(nav)
        lay.addStretch(1)
        self.lecturer = False
        for w in (*self.findChildren(QPushButton), self.lessons):
            _keys_stay(w)

    def event(self, ev) -> bool:
        done = super().event(ev)
        if ev.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            self._fit_height()
        return done

    def _fit_height(self) -> None:
        """At least as tall as its wrapped texts need at its width: a dock short of room squeezed a
        two-line question ("Predict ∂L/∂a[1][0][1][0] for sample 0: …") to one line, its end
        hidden behind the answer box (the layout's minimum knows nothing of wrapping). It scrolls
        in its dock, which makes room for it where the window has some (lesson_dock)."""
        lay = self.layout()
        need = lay.totalMinimumSize().height()
        if lay.hasHeightForWidth():
            need = max(need, lay.totalHeightForWidth(self.width()))
        if self.minimumHeight() != need:
            self.setMinimumHeight(need)
            self.need_changed.emit()

    def _page_sized(self, shown: int) -> None:
        """The pages as tall as the one shown: a stack is as tall as its tallest page, and a
        step with no activity kept the direction page's room, 100 px of blank that made the
        window 801 px tall on a 768 px screen (lesson 12, step 4)."""
        for i in range(self.pages.count()):
            ignored = QSizePolicy.Policy.Ignored
            self.pages.widget(i).setSizePolicy(
                QSizePolicy.Policy.Preferred,
                QSizePolicy.Policy.Preferred if i == shown else ignored,
            )
        self.pages.updateGeometry()

    # ---- pages ----
    def _predict_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.question = _label()
        self.answer = AnswerField()
        self.answer.setPlaceholderText("your number, then Enter")
        self.answer.setToolTip("type the number and press Enter; Space shows it (Show me)")
        self.answer.space.connect(self.revealed)
        self.answer.returnPressed.connect(lambda: self.answered.emit(self.answer.text()))
        self.check_answer = QPushButton("Check")
        self.check_answer.clicked.connect(lambda: self.answered.emit(self.answer.text()))
        self.show_me = QPushButton("Show me")
        self.show_me.clicked.connect(self.revealed)
        row = QHBoxLayout()
        row.addWidget(self.answer, 1)
        row.addWidget(self.check_answer)
        row.addWidget(self.show_me)
        self.aloud = _label()
        v.addWidget(self.question)
        v.addLayout(row)
        v.addWidget(self.aloud)
        self._answer_row = (self.answer, self.check_answer, self.show_me)
        return page

    def _direction_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.direction_question = _label()
        self.choice_row = QHBoxLayout()
        self.choice_buttons: list[QPushButton] = []
        v.addWidget(self.direction_question)
        v.addLayout(self.choice_row)
        return page

    def _construct_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        hint = _label()
        hint.setText("Click an edge or a neuron on the drawing to set its weight or bias "
                     "(or use Setup → Network), then check.")  # fmt: skip
        self.construct_button = QPushButton("Check my weights")
        self.construct_button.clicked.connect(self.check_requested)
        v.addWidget(hint)
        v.addWidget(self.construct_button)
        return page

    def _picked(self, i: int) -> None:
        path = self.lessons.itemData(i)
        if path:
            self._shown = path
            self.lesson_chosen.emit(path)
        else:  # "Choose a lesson…" picked: the list names the lesson still open (it read
            self.show_lesson(getattr(self, "_shown", ""))  # "Choose…" over lesson 1's steps)

    # ---- shown by the controller ----
    def set_lessons(self, items: list[tuple[str, str]]) -> None:
        """(title, path) of each lesson in the list."""
        self.lessons.clear()
        self.lessons.addItem("Choose a lesson…", None)
        for k, (title, path) in enumerate(items, 1):
            self.lessons.addItem(f"{k}. {title}", path)
            self.lessons.setItemData(k, plain_tip(f"{k}. {title}"), Qt.ItemDataRole.ToolTipRole)
        # the open list as wide as its longest title (the box itself is as wide as the dock:
        # "1. The perceptron and the ste"); the title is also written in full under it
        view, box = self.lessons.view(), self.lessons
        widest = max(
            view.fontMetrics().horizontalAdvance(box.itemText(k)) for k in range(box.count())
        )
        view.setMinimumWidth(widest + 2 * view.frameWidth() + 24)

    def show_lesson(self, path: str) -> None:
        """The list names the lesson open now (item 0 when it is not one of the list's)."""
        self._shown = path
        i = self.lessons.findData(str(Path(path).resolve())) if path else 0
        self.lessons.setCurrentIndex(max(0, i))

    def show_step(self, title: str, where: str, text: str, page: str) -> None:
        self.title.setText(f"<b>{html.escape(title)}</b>")
        self.where.setText(html.escape(where))
        self.text.setText(html.escape(unbroken(text)))
        self.pages.setCurrentIndex(PAGES.index(page))
        self.feedback.setText("")

    def set_action(self, name: str | None) -> None:
        """A step that works in the trainer: what to do there, and a button that opens the trainer
        and does it there."""
        self.action_button.setVisible(bool(name))
        if name:
            what = TRAINER_ACTIONS[name]
            opens = name == "open_trainer"
            self.action_button.setText(
                "Open the trainer" if opens else "Open the trainer and do it"
            )
            self.action_button.setToolTip(f"Open the trainer and {what}")
            self.say(f"In the trainer: {what}.")  # the button stays short: the dock's width on
            # a 1366 wall was the button's, and the lesson's texts were cut at the right

    def set_where(self, where: str) -> None:
        self.where.setText(html.escape(where))

    def ask(self, question: str) -> None:
        """A number to predict: typed, or in lecturer mode answered aloud."""
        self.pages.setCurrentIndex(PAGES.index("predict"))
        self.question.setText(html.escape(question))
        self.answer.clear()
        for w in self._answer_row:
            w.setVisible(not self.lecturer)
            w.setEnabled(True)
        self.aloud.setText(
            "Answer aloud, then Space or PageDown reveals it." if self.lecturer else ""
        )
        if not self.lecturer:
            self.answer.setFocus()

    def set_choices(self, question: str, choices: tuple[str, ...]) -> None:
        self.direction_question.setText(html.escape(unbroken(question)))
        for b in self.choice_buttons:
            self.choice_row.removeWidget(b)
            b.deleteLater()
        self.choice_buttons = []
        for k, c in enumerate(choices, 1):
            b = QPushButton(f"{k}. {c}")  # Alt+1, Alt+2 … choose by keys (lesson_actions)
            b.setToolTip(plain_tip(f"{c} (Alt+{k})"))
            b.clicked.connect(lambda _=False, c=c: self.chosen.emit(c))
            _keys_stay(b)
            self.choice_row.addWidget(b)
            self.choice_buttons.append(b)

    def close_question(self) -> None:
        """The answer is in: no more typing or choosing until the next question."""
        for w in (*self._answer_row, *self.choice_buttons):
            w.setEnabled(False)
        self.aloud.setText("")

    def withdraw(self, why: str) -> None:
        """The question is no longer asked (its step changed, or the learner stepped away):
        its text goes, and `why` is said."""
        self.question.setText("")
        self.direction_question.setText("")
        self.close_question()
        self.say(why)

    def say(self, text: str, good: bool | None = None, private: bool = False) -> None:
        """Feedback under the question; `private`: the learner's own (a score, "answered
        before"), taken off when lecturer mode puts the panel on the wall."""
        self._private = private
        colour = (SAID_ON_BLACK if self.lecturer else SAID_ON_GREY)[good]
        style = f" style='color:{colour}'" if colour else ""
        self.feedback.setText(f"<span{style}>{html.escape(unbroken(text))}</span>")

    def set_lecturer(self, on: bool, text: str = "#ffffff") -> None:
        """Lecturer mode: no typing, the lesson list hidden, the type in the theme's colour."""
        self.lecturer = on
        if on and getattr(self, "_private", False):
            self.say("")  # a score or "answered before" stays off the wall
        self.setStyleSheet(f"QLabel {{ color: {text}; }}" if on else "")
        for w in (self.lessons, self.open_button, self.reset_button):
            w.setVisible(not on)


class AnswerField(QLineEdit):
    """The typed answer. Space is the window's key to reveal the number (README: "Space
    reveals"), not a character: no number has a space in it, and a learner's Space typed one
    into the box while the question stayed "?"."""

    space = Signal()

    def keyPressEvent(self, ev) -> None:  # noqa: N802 (Qt)
        if ev.key() == Qt.Key.Key_Space and not ev.modifiers():
            self.space.emit()
            ev.accept()
            return
        super().keyPressEvent(ev)


__all__ = ["PAGES", "LessonPlayer"]


def _keys_stay(w: QWidget) -> None:
    """Clicked, `w` takes no keyboard focus: Space stays the window's next number (a clicked
    "Next" or choice took it and pressed itself again), and each button has its key (PgUp,
    PgDown, Alt+1 …, Enter in the answer field)."""
    w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
