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

from functools import cache

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFileDialog

from app.shared.actions import Action
from engine.lessons.address import AddressError, resolve
from engine.lessons.ask import Question
from engine.lessons.grade import askable
from engine.lessons.lesson import Lesson, LessonError, load_lesson
from engine.lessons.networks import CURRENT, LESSONS
from engine.lessons.progress import FREE, Progress

from .lesson_answers import Answers
from .lesson_dock import LessonDockPlace, scrolling
from .lesson_player import LessonPlayer
from .lesson_screen import QuestionScreen
from .lesson_steps import StepNetworks


@cache
def shipped_lessons() -> tuple[tuple[str, str], ...]:
    """(title, path) of the course's lessons, in their order (file names 01_… 14_…). Read once:
    the Lesson dock's list and Lesson → Course both show them, and the files ship with the app."""
    out = []
    for p in sorted(LESSONS.glob("*.json")):
        try:
            out.append((load_lesson(p).title, str(p)))
        except LessonError:
            continue
    return tuple(out)


class LessonMode(QuestionScreen, Answers, LessonDockPlace, StepNetworks, QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w, self.ex = window, window.explainer
        self.player = LessonPlayer()
        self.dock = QDockWidget("Lesson")
        self.dock.setObjectName("lesson")
        self.dock.setWidget(scrolling(self.player))  # never taller than the screen
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        window.docks["Lesson"] = self.dock
        self.lesson: Lesson | None = None
        self.k = 0  # the lesson's step shown
        self.question: Question | None = None
        self.asking: tuple[int, int] | None = None  # (step index, event index) of the question
        self.later: tuple[int, int] | None = None  # a direction's later event (lesson_screen)
        self.free = False  # prediction mode in free stepping
        self._progress: Progress | None = None
        self._loaded = None  # (network reference, training step) the explainer shows for us
        self.race = None  # the race's worker while one trains
        self.preparing = None  # the worker building a step's network
        self._net = None  # the network we built and showed
        self._construct_start = None  # the parameters a step with an activity began with
        self._preparations = 0  # networks prepared so far: a dropped one is not shown
        self.lesson_path = ""  # the open lesson's file
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
        p.next_requested.connect(g(self.page_next))  # as PgDown, which it says: reveal, then on
        p.back_requested.connect(g(self.page_back))  # as PgUp (outside a lesson: a number back)
        p.action_requested.connect(g(self._trainer_action))
        p.need_changed.connect(lambda: QTimer.singleShot(0, g(self.make_room)))
        self.ex.network_changed.connect(self._forget_loaded)
        self.ex.training_changed.connect(g(self._training_changed))

    def _training_changed(self, on: bool) -> None:
        """Training (T) moves past the asked step, and the loss curve draws every step's loss:
        the question is withdrawn, as when the learner steps away."""
        if on and (self.pending() or self.later is not None):
            self.withdraw("Training moved past the question: it is withdrawn, not counted.")
            self.w.refresh()

    def _trainer_action(self) -> None:
        """The step's button: the trainer shows, and does what the step says (its action of the
        same name: the LR range test, a sweep, the live plots); "open_trainer" only opens it."""
        self.w.trainer_action_requested.emit(self.lesson.steps[self.k].action or "open_trainer")

    @property
    def progress(self) -> Progress:
        if self._progress is None:  # read when first needed: a window that never asks reads nothing
            self._progress = Progress()
            if self._progress.kept_aside is not None:
                self.w.show_error(
                    "Your lesson progress could not be read whole; the file is kept as "
                    f"{self._progress.kept_aside}, and what could be read goes on from here."
                )
        return self._progress

    def _save(self) -> None:
        try:
            self.progress.save()
        except OSError as e:
            self.w.statusBar().showMessage(f"progress not saved: {e}", 8000)

    # ---- lessons ----
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Open lesson", str(LESSONS), "Lessons (*.json)"
        )
        if path:
            self.open_path(path)

    def reset(self) -> None:
        if self.lesson is None:  # prediction mode: its score
            self.progress.reset(FREE)
            self._save()
            self.player.set_where(self._where())
            return
        self.progress.reset(self.lesson.name)
        self._save()
        self.go(0)
        self.player.say("Progress reset: the lesson starts again.")

    def leave(self, why: str = "You left the lesson") -> None:
        """No lesson open any more (Lesson → Leave the lesson, or another network opened): its
        text, question and choices go; its progress is kept for when it is chosen again. A
        step's network still being built is not shown when it comes, nor a lesson still being
        opened (lesson_steps.drop_prepared)."""
        self.drop_prepared()
        if self.lesson is None:
            return
        title, self.lesson = self.lesson.title, None
        self.question = self.asking = self.later = None
        self.race = None  # its result is dropped when it comes
        self.player.show_lesson("")
        self.player.show_step(
            "No lesson", "", f"{why} “{title}”; choose it again to go on where you were.", "none"
        )
        self.player.set_action(None)
        self.w.refresh()

    def go(self, k: int) -> None:
        """Show step k: its network is built and trained to its step in a worker thread (a
        lesson may ask for step 61 of a CNN), then switched to; nothing changes on failure."""
        if self.lesson is None or self.preparing is not None:
            return
        if k >= len(self.lesson.steps):
            rec = self.progress.get(self.lesson.name)
            score = "" if self.player.lecturer else f": {rec.right} of {rec.asked} right"
            self.player.say(f"End of the lesson{score}.", private=bool(score))  # none on the wall
            return
        if k < 0:
            return
        if self.ex.training:
            self.ex.stop_training()
        st = self.lesson.steps[k]
        key = (repr(st.network), st.go.step if st.go is not None else 1)
        if st.network != CURRENT and self._edited():
            self._loaded = None  # weights changed on the drawing (a build): the step's own
            # network again, as its text's numbers are (Back to step 1 showed the build's z)
        if st.network == CURRENT or (self._loaded == key and self.ex.net is self._net):
            self._enter(k)
            return
        self.player.say("Preparing this step's network…")
        self._start(self.lesson, k)

    def _asked_here(self) -> bool:
        """A question open on the number on screen."""
        ex = self.ex
        return self.pending() and self.asking == (ex.step_index, ex.event_index)

    def _enter(self, k: int) -> None:
        """Go to step k's event on the network on screen and set up its activity."""
        ex, st = self.ex, self.lesson.steps[k]
        if st.network == CURRENT and ex.net is None:
            self.w.show_error(f"Lesson step {k + 1} uses the current network, and none is open")
            return
        if ex.sample is not None:
            ex.set_sample(None)
        if st.go is not None:
            r = ex.current if st.network == CURRENT else ex.history[0]
            try:
                i = resolve(r.events, r.rows, st.go)
            except AddressError as e:
                self.w.show_error(f"Lesson step {k + 1} not shown: {e}")
                return
            ex.goto(ex.history.index(r), i)
        elif st.activity is not None and st.activity.type == "construct":
            ex.home()  # the drawing shows the weights the check reads (the step's start), not
            # the last step's updated ones (lesson 4's build read 0.3777, the drawing −1.03)
        self.k, self.question, self.asking, self.later = k, None, None, None
        act = st.activity
        self.player.show_step(self.lesson.title, self._where(), st.text,
                              "none" if act is None else act.type)  # fmt: skip
        if act is not None and act.type == "predict":
            self._ask()
        elif act is not None and act.type == "direction":
            self.player.set_choices(act.question, act.choices)
            self._hide_direction(act)
        self.player.set_action(st.action)
        self._construct_start = ex.current.before.params if act is not None else None
        rec = self.progress.get(self.lesson.name)
        if act is not None and k in rec.done and not self.player.lecturer:  # answered before
            self.player.say(
                "You answered this step before: try it again; it is not counted.", private=True
            )
        rec.step = k
        self._save()
        self.w.refresh()

    def _hide_direction(self, act) -> None:
        """A direction asked of the event on screen (which way w[1][0][0] goes at its update,
        the sign of a δ): that event shows the answer, so its number is hidden as a number
        question's is, until a choice is made or Space shows it."""
        ex, st = self.ex, self.lesson.steps[self.k]
        if act.of is None or act.race is not None or st.go is None or act.of.step != st.go.step:
            return
        try:
            i = resolve(ex.current.events, ex.current.rows, act.of)
        except (AddressError, ValueError):
            return
        if i == ex.event_index and askable(ex.current.events[i]):  # (a frozen w: it says so)
            self.question = Question(ex.current.events, i)
            self.asking = (ex.step_index, i)
        elif i > ex.event_index:  # later in the step: its row in the Events panel waits
            self.later = (ex.step_index, i)

    # ---- keys ----
    def next_key(self) -> None:
        """Space, Right: reveal a question on screen; in prediction mode ask the next number."""
        ex = self.ex
        if self._asked_here():
            self.reveal()
            return
        if self.free and not ex.training and ex.net is not None:
            nxt = ex.visible().next_after(ex.event_index)
            if nxt is not None and askable(ex.current.events[nxt]):
                ex.goto(ex.step_index, nxt)
                self._ask_free()
                return
        ex.next()

    def jump_and_ask(self, jump) -> None:
        """N or a phase key (1–4), keys or buttons: `jump()`, then in prediction mode the number
        landed on is asked too (the first number of every step and phase was shown, never
        asked); not when the jump did not move (a second 1, a step that exploded)."""
        ex = self.ex
        before = (ex.step_index, ex.event_index, len(ex.history))
        jump()
        moved = (ex.step_index, ex.event_index, len(ex.history)) != before
        free = self.free and not ex.training and ex.net is not None and not self.pending()
        if moved and free and askable(ex.event):
            self._ask_free()

    def next_training_step(self) -> None:
        """N, or the toolbar's button."""
        self.jump_and_ask(self.ex.next_training_step)

    def jump_phase(self, phase: str) -> None:
        """1–4, or the toolbar's phase buttons."""
        self.jump_and_ask(lambda: self.ex.jump_phase(phase))

    def _ask_free(self) -> None:
        self.show_dock()
        self.player.show_step("Prediction mode", self._where(), "", "predict")
        self._ask()
        self.w.refresh()

    def page_next(self) -> None:
        """PageDown (a presenter remote): reveal, else the lesson's next step, else Space. A
        lesson's question skipped so is shown, not counted."""
        if self.lesson is not None and self._asked_here():
            self.reveal(skipped=True)
        elif self.lesson is None or self.pending():
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
        self.question = self.asking = self.later = None
        rec = self.progress.get(FREE)
        self.w.statusBar().showMessage(
            f"prediction mode on: Space first asks the next number ({rec.right} of {rec.asked} "
            "right)"
            if self.free
            else "prediction mode off",
            8000,
        )
        if self.free:
            self.drop_prepared()  # a step's network on its way is not shown (nor entered)
            self.lesson = None
            self.player.show_lesson("")  # no lesson: the list says "Choose a lesson…"
            self.show_dock()
            self.player.show_step("Prediction mode", self._where(), "Press Space.", "none")
        self.w.refresh()  # a question dropped: its "?" go


def lesson_actions(w) -> list[Action]:
    """The keys of lessons and prediction (they go in the window's one table of actions)."""
    g = w.guard
    return [
        Action("lesson_next", "Lesson: next step", "Lesson", ("PgDown",),
               g(lambda: w.lessons.page_next()), "A lesson's next step (a presenter remote); outside a lesson the next number"),
        Action("lesson_back", "Lesson: step back", "Lesson", ("PgUp",),
               g(lambda: w.lessons.page_back()),
               "A lesson's previous step; outside a lesson back one number"),
        Action("predict_mode", "Prediction mode", "Lesson", ("Q",),
               g(lambda: w.lessons.toggle_free()), "Every Space first asks the next number"),
        *(Action(f"lesson_{k}", f"{k}. {title}", "Lesson/Course", (),
                 g(lambda p=path: w.lessons.open_path(p))) for k, (title, path)
          in enumerate(shipped_lessons(), 1)),  # the README's "open one from the Lesson menu"
        Action("lesson_open", "Open lesson file…", "Lesson", (), g(lambda: w.lessons.open_dialog())),
        Action("lesson_leave", "Leave the lesson", "Lesson", (), g(lambda: w.lessons.leave()),
               "Close the lesson (its progress is kept); the network on screen stays"),
        Action("lesson_panel", "Lessons", "Lesson", ("L",),
               g(lambda: w.lessons.show_dock(not w.lessons.dock.isVisible()))),
        *(Action(f"choice_{k}", f"Lesson: choice {k}", "", (f"Alt+{k}",),
                 g(lambda k=k: w.lessons.choose_number(k))) for k in range(1, 7)),
    ]  # fmt: skip


__all__ = ["LessonMode", "lesson_actions", "shipped_lessons"]
