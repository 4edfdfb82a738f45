"""The answering half of the lesson controller (a mixin of lesson_mode.LessonMode): questions
asked, answers graded by the engine (engine/lessons/ask.py), directions judged by stepping or by
a race trained in a worker thread, the construct check, and the scores kept."""

from __future__ import annotations

from superqt.utils import create_worker

from engine.lessons.address import resolve
from engine.lessons.ask import Question
from engine.lessons.check import (
    direction_answer,
    race_results,
    race_winner,
    way_of,
    way_said,
)
from engine.lessons.construct import construct_check
from engine.lessons.networks import network_for
from engine.lessons.progress import FREE
from engine.numpy_engine.edits import same_params
from engine.numpy_engine.fmt import num


class Answers:
    """Needs: w, ex, player, lesson, k, question, asking, later, race, progress, _save,
    _loaded, _construct_start."""

    def pending(self) -> bool:
        return self.question is not None and not self.question.done

    def _where(self) -> str:
        """Where the learner is, and their score; on the wall no score (lecturer mode scores
        nothing, and the room need not read the lecturer's own)."""
        aloud = self.player.lecturer
        if self.lesson is None:
            rec = self.progress.get(FREE)
            return "prediction mode" + ("" if aloud else f" · {rec.right} of {rec.asked} right")
        rec = self.progress.get(self.lesson.name)
        score = "" if aloud else f" · {rec.right} of {rec.asked} right"
        return f"step {self.k + 1} of {len(self.lesson.steps)}{score}"

    # ---- predicting ----
    def _ask(self) -> None:
        ex = self.ex
        self.question = Question(ex.current.events, ex.event_index)
        self.asking = (ex.step_index, ex.event_index)
        self._ask_again()

    def _ask_again(self) -> None:
        """The question in the player (the formula panel shows its symbols and numbers); a
        direction keeps its choices."""
        if self._direction() is not None:
            return
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

    def reveal(self, skipped: bool = False) -> None:
        """Show the number without an answer: the lecturer's key, Space, or "Show me" (for a
        direction, with the way it goes). `skipped`: Next pressed before any answer, which
        shows it and counts nothing (it had counted a wrong answer, unsaid)."""
        if self.pending():
            text, act = self.question.give_up().text, self._direction()
            if act is not None:
                text = f"The answer is {self._right_way(act)}. {text}"
            if skipped and not self.player.lecturer:
                text += " Skipped, not counted: Next again goes on."
            self._finish(text, None, counted=not (self.player.lecturer or skipped))

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

    # ---- directions ----
    def choose(self, choice: str) -> None:
        act = self._direction()
        if act is None or self.race is not None:
            return
        self.player.close_question()
        asked = self._asked_of()  # (before `later` goes)
        if self.pending():  # chosen: the number it was asked of shows (mode._hide_direction)
            self.question.done = True
        self.later = None
        if act.race is None:  # "Right." alone said nothing of why: the numbers that show it
            self._judge(choice, self._right_way(act), way_said(asked) if asked else "")
            self._step_to(act.of)
            self.w.refresh()
            return
        self.player.say("Training each one to see…")
        self.race = create_worker(
            race_results, act.race, self.lesson.folder, self.ex.net, _start_thread=False,
            _connect={"returned": lambda res, at=self.lesson: self._raced(choice, act, res, at),
                      "errored": lambda e, at=self.lesson: self._race_failed(e, at)},
        )  # fmt: skip
        self.race.start()

    def _asked_of(self):
        """The event a direction asks of, where it is in the step on screen (or None)."""
        if self.question is not None:
            return self.question.event
        if self.later is not None:
            step, i = self.later
            return self.ex.history[step].events[i]
        return None

    def _direction(self):
        """The direction activity of the lesson's step on screen, or None."""
        act = self.lesson.steps[self.k].activity if self.lesson is not None else None
        return act if act is not None and act.type == "direction" else None

    def _right_way(self, act) -> str:
        """The choice a direction asked of an event has right: the way of the event on screen
        when it is the one asked of (mode._hide_direction), or of the later event of the step
        on screen it asks of (read from that step: one event of its lazy trace), else worked
        out by the engine (the network trained to the event's step again: 52 ms for lesson 14
        on the GUI thread)."""
        if self.question is not None:
            return way_of(self.question.event)
        if self.later is not None:  # later in the step on screen (lesson 14's δ): read there
            step, i = self.later
            return way_of(self.ex.history[step].events[i])
        st = self.lesson.steps[self.k]
        net = network_for(st.network, self.lesson.folder, self.ex.net)
        return direction_answer(net, act, self.lesson.folder)

    def _step_to(self, address) -> None:
        """The reveal by stepping: to the event asked about, when it is in the step on screen."""
        ex = self.ex
        if self._loaded is None or self._loaded[1] != address.step:
            return
        try:
            ex.goto(0, resolve(ex.history[0].events, ex.history[0].rows, address))
        except ValueError:
            return

    def choose_number(self, k: int) -> None:
        """Alt+k: the k-th choice of the direction on screen."""
        buttons = self.player.choice_buttons
        if 1 <= k <= len(buttons) and buttons[k - 1].isEnabled():
            buttons[k - 1].click()

    def _raced(self, choice: str, act, results: dict, lesson) -> None:
        if lesson is not self.lesson:  # left (or another lesson opened) meanwhile
            return
        self.race = None
        winner = race_winner(act.race, self.lesson.folder, results=results)
        parts = []
        for c, (first, loss) in results.items():
            when = f"under {num(act.race['under'])} at step {first}, " if first else ""
            parts.append(f"{c}: {when}loss {num(loss)} after {act.race['steps']} steps")
        self._judge(choice, winner, "; ".join(parts))

    def _race_failed(self, exc: BaseException, lesson) -> None:
        if lesson is not self.lesson:
            return
        self.race = None
        self.w.show_error(f"The race could not be trained: {exc}")

    def _judge(self, choice: str, right_answer: str, detail: str) -> None:
        right = choice == right_answer
        head = "Right" if right else f"Not quite: the answer is {right_answer}"
        self._score(right)
        self.player.say(f"{head}. {detail}".strip(), right)
        self.player.set_where(self._where())

    # ---- construct ----
    def check_construct(self) -> None:
        if self.ex.net is None:
            return
        params = self.ex.current.before.params
        verdict = construct_check(self.ex.net, params)
        text = (
            "Right: every input gives its target."
            if verdict.right
            else "Not yet: " + "; ".join(verdict.wrong) + "."
        )
        if same_params(params, self._construct_start):  # what the step gave: shown, not a try
            self.player.say(
                f"{text} These are the weights the step began with: change them (click an edge "
                "for its weight, a neuron for its bias), then check. This check is not counted."
            )
            return
        self.player.say(text, verdict.right)
        self._score(verdict.right)
        self.player.set_where(self._where())


__all__ = ["Answers"]
