"""Lessons and prediction in the explainer: the controller between the lesson player (a dock),
the Explainer (where to go) and the engine (lessons, questions, checks). It computes no number:
questions, hints, answers and checks come from engine/lessons.

- A lesson step goes to its event (built aside, then shown) and sets up its activity: predict
  (the event's number hidden on the drawing and in the formula until answered), direction
  (choices; an event's way, or a race trained in a worker thread), construct (a check button).
- Prediction mode (Q): in free stepping every Space first asks the next event's number.
- Lecturer mode: the question stands on the wall with its number hidden; Space or PageDown
  reveals it, nothing is typed and nothing is scored.
- PageDown / PageUp (a presenter remote): the lesson's next and previous step.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog
from superqt.utils import create_worker

from app.shared.actions import Action
from engine.lessons.address import AddressError, resolve
from engine.lessons.ask import Question
from engine.lessons.check import direction_answer, race_results, race_winner
from engine.lessons.construct import construct_check
from engine.lessons.grade import askable
from engine.lessons.lesson import Lesson, LessonError, load_lesson
from engine.lessons.networks import CURRENT, LESSONS, NetworkRefError, network_for
from engine.lessons.progress import FREE, Progress
from engine.numpy_engine.fmt import num

from . import loading
from .lesson_hide import hide_in_conv, hide_in_view
from .lesson_player import LessonPlayer


def shipped_lessons() -> list[tuple[str, str]]:
    """(title, path) of the course's lessons, in their order (file names 01_… 14_…)."""
    out = []
    for p in sorted(LESSONS.glob("*.json")):
        try:
            out.append((load_lesson(p).title, str(p)))
        except LessonError:
            continue
    return out


class LessonMode(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w, self.ex = window, window.explainer
        self.player = LessonPlayer()
        self.dock = QDockWidget("Lesson")
        self.dock.setObjectName("lesson")
        self.dock.setWidget(self.player)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        window.docks["Lesson"] = self.dock
        self.lesson: Lesson | None = None
        self.k = 0  # the lesson's step shown
        self.question: Question | None = None
        self.asking: tuple[int, int] | None = None  # (step index, event index) of the question
        self.free = False  # prediction mode in free stepping
        self._progress: Progress | None = None
        self._loaded = None  # (network reference, training step) the explainer shows for us
        self.race = None  # the race's worker while one trains
        self._wire()
        self.player.set_lessons(shipped_lessons())

    def _wire(self) -> None:
        p, g = self.player, self.w.guard
        p.lesson_chosen.connect(g(self.open_path))
        p.open_requested.connect(g(self.open_dialog))
        p.reset_requested.connect(g(self.reset))
        p.answered.connect(g(self.answer))
        p.revealed.connect(g(self.reveal))
        p.chosen.connect(g(self.choose))
        p.check_requested.connect(g(self.check_construct))
        p.next_requested.connect(g(lambda: self.go(self.k + 1)))
        p.back_requested.connect(g(lambda: self.go(self.k - 1)))
        self.ex.network_changed.connect(self._forget_loaded)

    @property
    def progress(self) -> Progress:
        if self._progress is None:  # read when first needed: a window that never asks reads nothing
            self._progress = Progress()
        return self._progress

    def _save(self) -> None:
        try:
            self.progress.save()
        except OSError as e:
            self.w.statusBar().showMessage(f"progress not saved: {e}", 8000)

    # ---- what the window shows (its refresh calls these) ----
    def hides(self) -> bool:
        """The question's number is hidden now: it is unanswered and on screen."""
        ex = self.ex
        if self.player.lecturer != self.w.lecture.on:
            self.player.set_lecturer(self.w.lecture.on, self.w.theme.text)
            if self.pending():
                self._ask_again()
        return self.pending() and self.asking == (ex.step_index, ex.event_index)

    def sync(self) -> None:
        """The formula and the Events panel hide the question's number (and, in the panel, the
        numbers after it) while it is asked."""
        hide = self.hides()
        self.w.formula.hide_value = hide
        model = self.w.events.model
        hide_from = self.asking[1] if hide else None
        if model.hide_from != hide_from:
            model.hide_from = hide_from
            self.w.events.tree.viewport().update()

    def view(self, vs):
        return hide_in_view(vs, self.ex.event) if self.hides() else vs

    def conv(self, cs):
        return hide_in_conv(cs, self.ex.event) if self.hides() else cs

    def pending(self) -> bool:
        return self.question is not None and not self.question.done

    # ---- lessons ----
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Open lesson", str(LESSONS), "Lessons (*.json)"
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        try:
            lesson = load_lesson(path)
        except LessonError as e:
            self.w.show_error(f"Lesson not opened: {e}")
            return False
        self.lesson, self._loaded = lesson, None
        self.w.welcome.dismiss()  # whoever opens a lesson has found the first step
        self.player.show_lesson(path)
        self.dock.show()
        self.dock.raise_()
        rec = self.progress.get(lesson.name)
        self.go(min(rec.step, len(lesson.steps) - 1))
        return True

    def reset(self) -> None:
        if self.lesson is None:
            return
        self.progress.reset(self.lesson.name)
        self._save()
        self.go(0)
        self.player.say("Progress reset: the lesson starts again.")

    def _forget_loaded(self) -> None:
        if self.ex.net is not getattr(self, "_net", None):
            self._loaded = None

    def _show_network(self, st) -> bool:
        """Bring the step's network and training step on screen (built aside), and go to its
        event. False (with the reason shown) when it cannot be."""
        ex = self.ex
        t = st.go.step if st.go is not None else 1
        if st.network == CURRENT and ex.net is None:
            raise NetworkRefError("this step uses the current network, and none is open")
        if st.network != CURRENT and self._loaded != (repr(st.network), t):
            net = network_for(st.network, self.lesson.folder)
            state = net.initial_state()
            if t > 1:
                state, _ = net.train(state, t - 1)

            def build():
                return loading.Prepared(net, loading.first_step(net, state), source="")

            if not ex.load_prepared(build, "Lesson step not shown: "):
                return False
            self._net, self._loaded = net, (repr(st.network), t)
        if ex.sample is not None:
            ex.set_sample(None)
        if st.go is not None:
            r = ex.current if st.network == CURRENT else ex.history[0]
            ex.goto(ex.history.index(r), resolve(r.events, r.rows, st.go))
        return True

    def go(self, k: int) -> None:
        if self.lesson is None or not 0 <= k < len(self.lesson.steps):
            if self.lesson is not None and k >= len(self.lesson.steps):
                rec = self.progress.get(self.lesson.name)
                self.player.say(f"End of the lesson: {rec.right} of {rec.asked} right.")
            return
        if self.ex.training:
            self.ex.stop_training()
        st = self.lesson.steps[k]
        try:
            if not self._show_network(st):
                return
        except (NetworkRefError, AddressError, ValueError) as e:
            self.w.show_error(f"Lesson step {k + 1} not shown: {e}")
            return
        self.k, self.question, self.asking = k, None, None
        act = st.activity
        page = "none" if act is None else act.type
        self.player.show_step(self.lesson.title, self._where(), st.text, page)
        if act is not None and act.type == "predict":
            self._ask()
        elif act is not None and act.type == "direction":
            self.player.set_choices(act.question, act.choices)
        if st.action is not None:
            self.player.say(f"In the trainer (Go → MNIST trainer): {st.action.replace('_', ' ')}.")
        self.progress.get(self.lesson.name).step = k
        self._save()
        self.w.refresh()

    def _where(self) -> str:
        if self.lesson is None:
            right, asked = self._free_score()
            return f"prediction mode · {right} of {asked} right"
        rec = self.progress.get(self.lesson.name)
        return f"step {self.k + 1} of {len(self.lesson.steps)} · {rec.right} of {rec.asked} right"

    def _free_score(self) -> tuple[int, int]:
        rec = self.progress.get(FREE)
        return rec.right, rec.asked

    # ---- predicting ----
    def _ask(self) -> None:
        ex = self.ex
        self.question = Question(ex.current.events, ex.event_index)
        self.asking = (ex.step_index, ex.event_index)
        self._ask_again()

    def _ask_again(self) -> None:
        """The question in the player (the formula panel shows its symbols and numbers)."""
        ev = self.question.event
        where = f" for sample {ev.sample}" if ev.sample is not None else ""
        self.player.ask(f"Predict {ev.symbol}{where}: the formula shows what it needs.")

    def answer(self, typed: str) -> None:
        if not self.pending():
            return
        reply = self.question.answer(typed)
        if reply.state in ("again", "hint"):
            self.player.say(reply.text, None if reply.state == "again" else False)
            self.player.answer.selectAll()
            return
        self._finish(reply.text, reply.state == "right", counted=True)

    def reveal(self) -> None:
        """Show the number without an answer: the lecturer's key, Space, or "Show me"."""
        if self.pending():
            reply = self.question.give_up()
            self._finish(reply.text, None, counted=not self.player.lecturer)

    def _finish(self, text: str, right: bool | None, counted: bool) -> None:
        if counted:
            self._score(bool(right))
        self.player.close_question()
        self.player.say(text, right)
        self.player.set_where(self._where())
        self.w.refresh()

    def _score(self, right: bool) -> None:
        if self.lesson is None:
            self.progress.answered(FREE, -1, right)
        elif self.k not in self.progress.get(self.lesson.name).done:
            self.progress.answered(self.lesson.name, self.k, right)  # a first answer counts
        self._save()

    # ---- keys ----
    def next_key(self) -> None:
        """Space, Right: reveal a question on screen; in prediction mode ask the next number."""
        ex = self.ex
        if self.pending() and self.asking == (ex.step_index, ex.event_index):
            self.reveal()
            return
        if self.free and not ex.training and ex.net is not None:
            nxt = ex.visible().next_after(ex.event_index)
            if nxt is not None and askable(ex.current.events[nxt]):
                ex.goto(ex.step_index, nxt)
                self.dock.show()
                self.player.show_step("Prediction mode", self._where(), "", "predict")
                self._ask()
                self.w.refresh()
                return
        ex.next()

    def page_next(self) -> None:
        """PageDown (a presenter remote): reveal, else the lesson's next step, else Space."""
        if self.lesson is None or self.pending():
            self.next_key()
        else:
            self.go(self.k + 1)

    def page_back(self) -> None:
        if self.lesson is None:
            self.ex.back()
        else:
            self.go(self.k - 1)

    def toggle_free(self) -> None:
        self.free = not self.free
        self.question = self.asking = None
        right, asked = self._free_score()
        self.w.statusBar().showMessage(
            f"prediction mode on: Space first asks the next number ({right} of {asked} right)"
            if self.free
            else "prediction mode off",
            8000,
        )
        if self.free:
            self.lesson = None
            self.dock.show()
            self.player.show_step("Prediction mode", self._where(), "Press Space.", "none")

    # ---- direction and construct ----
    def choose(self, choice: str) -> None:
        act = self.lesson.steps[self.k].activity if self.lesson is not None else None
        if act is None or act.type != "direction" or self.race is not None:
            return
        self.player.close_question()
        if act.race is None:
            net = network_for(self.lesson.steps[self.k].network, self.lesson.folder, self.ex.net)
            self._judge(choice, direction_answer(net, act, self.lesson.folder), "")
            return
        self.player.say("Training each one to see…")
        folder, current = self.lesson.folder, self.ex.net
        self.race = create_worker(
            race_results, act.race, folder, current, _start_thread=False,
            _connect={"returned": lambda res: self._raced(choice, act, res),
                      "errored": self._race_failed},
        )  # fmt: skip
        self.race.start()

    def choose_number(self, k: int) -> None:
        """Alt+k: the k-th choice of the direction on screen."""
        buttons = self.player.choice_buttons
        if 1 <= k <= len(buttons) and buttons[k - 1].isEnabled():
            buttons[k - 1].click()

    def _raced(self, choice: str, act, results: dict) -> None:
        self.race = None
        winner = race_winner(act.race, self.lesson.folder, results=results)
        parts = []
        for c, (first, loss) in results.items():
            when = f"under {num(act.race['under'])} at step {first}, " if first else ""
            parts.append(f"{c}: {when}loss {num(loss)} after {act.race['steps']} steps")
        self._judge(choice, winner, "; ".join(parts))

    def _race_failed(self, exc: BaseException) -> None:
        self.race = None
        self.w.show_error(f"The race could not be trained: {exc}")

    def _judge(self, choice: str, right_answer: str, detail: str) -> None:
        right = choice == right_answer
        head = "Right" if right else f"Not quite: the answer is {right_answer}"
        self._score(right)
        self.player.say(f"{head}. {detail}".strip(), right)
        self.player.set_where(self._where())

    def check_construct(self) -> None:
        if self.ex.net is None:
            return
        verdict = construct_check(self.ex.net, self.ex.current.before.params)
        if verdict.right:
            self.player.say("Right: every input gives its target.", True)
        else:
            self.player.say("Still wrong: " + "; ".join(verdict.wrong), False)
        self._score(verdict.right)
        self.player.set_where(self._where())


def lesson_actions(w) -> list[Action]:
    """The keys of lessons and prediction (they go in the window's one table of actions)."""
    g = w.guard
    return [
        Action("lesson_next", "Lesson: next step", "Lesson", ("PgDown",),
               g(lambda: w.lessons.page_next()), "Next step of the lesson (a presenter remote)"),
        Action("lesson_back", "Lesson: step back", "Lesson", ("PgUp",),
               g(lambda: w.lessons.page_back())),
        Action("predict_mode", "Prediction mode", "Lesson", ("Q",),
               g(lambda: w.lessons.toggle_free()), "Every Space first asks the next number"),
        Action("lesson_open", "Open lesson file…", "Lesson", (), g(lambda: w.lessons.open_dialog())),
        Action("lesson_panel", "Lessons", "Lesson", ("L",),
               g(lambda: w.lessons.dock.setVisible(not w.lessons.dock.isVisible()))),
        *(Action(f"choice_{k}", f"Lesson: choice {k}", "", (f"Alt+{k}",),
                 g(lambda k=k: w.lessons.choose_number(k))) for k in range(1, 7)),
    ]  # fmt: skip


__all__ = ["LessonMode", "lesson_actions", "shipped_lessons"]
