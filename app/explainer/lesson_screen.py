"""What the window shows while a lesson's question waits (a mixin of lesson_mode.LessonMode; the
window's refresh calls these): whether the asked number is hidden now, and the drawing, the
image drawing, the Code panel's snippet, the description, the formula and the Events panel with
it hidden (lesson_hide.py); what the step says to look at, highlighted; the one sentence that
refuses a dialog or file which would show the number."""

from __future__ import annotations

from engine.numpy_engine import ids

from .lesson_hide import LOSS_AFTER, hide_in_conv, hide_in_snippet, hide_in_text, hide_in_view


class QuestionScreen:
    """Needs: w, ex, player, lesson, k, question, asking, later, preparing, pending,
    _ask_again, _where."""

    def settle(self) -> None:
        """Before the window is redrawn: the player follows lecturer mode, and a question the
        learner moved away from, or whose step was recomputed, is withdrawn."""
        if self.player.lecturer != self.w.lecture.on:
            self.player.set_lecturer(self.w.lecture.on, self.w.theme.text)
            self.player.set_where(self._where())  # the score off the wall, or back
            if self.pending():
                self._ask_again()
        ex = self.ex
        if self.pending() and not self._still_valid():  # a weight edited: the step recomputed
            self.withdraw("The step changed under the question: it is withdrawn.")
        elif self.pending() and self.asking != (ex.step_index, ex.event_index):
            # stepped away (Left, a click in the Events panel, a jump): the number is on the
            # screen there (as a later formula's input, in the Events panel), so no longer asked
            self.withdraw("You stepped away from the question: it is withdrawn, not counted.")
        if self.later is not None and (ex.step_index, ex.event_index) >= self.later:
            # stepped to the event asked about (or to another step): it shows
            self.withdraw("You stepped to the number asked about: it is withdrawn.")

    def hides(self) -> bool:
        """The question's number is hidden now: it is unanswered and on screen (`settle` ran)."""
        return self.asked_event() is not None

    def withdraw(self, why: str) -> None:
        """The question (a number, or a direction's later event) is no longer asked, not
        counted; the player says `why`."""
        self.question = self.later = None
        self.player.withdraw(why)

    def asked_event(self):
        """The event whose number a question hides now, or None (read only, unlike hides: a
        hover asks it)."""
        ex = self.ex
        if not self.pending() or self.asking != (ex.step_index, ex.event_index):
            return None
        return self.question.event if self._still_valid() else None

    def _still_valid(self) -> bool:
        s, h = self.asking[0], self.ex.history
        return s < len(h) and h[s].events is self.question.trace

    def sync(self) -> None:
        """The formula and the Events panel hide the question's number (and, in the panel, the
        numbers after it) while it is asked."""
        hide = self.hides()
        self.w.formula.hide_value = hide
        model = self.w.events.model
        hide_from = self.asking[1] if hide else self._later_rows()
        if model.hide_from != hide_from:
            model.hide_from = hide_from
            self.w.events.tree.viewport().update()

    def _later_rows(self) -> int | None:
        """A direction asked of a later event of the step on screen (the sign of a δ, asked at
        the loss): the Events panel's rows from it on wait for the choice; the drawing and the
        formula do not show it yet."""
        later, ex = self.later, self.ex
        if later is None or later[0] != ex.step_index or ex.event_index >= later[1]:
            return None
        return later[1]

    def view(self, vs):
        """The drawing's state: what the step says to look at highlighted, the number hidden."""
        look = self._look()
        if look:
            nodes = tuple(i for i in look if isinstance(i, ids.NodeId))
            vs.highlight_nodes = (*vs.highlight_nodes, *nodes)
            vs.highlight_edges = (
                *vs.highlight_edges,
                *(i for i in look if isinstance(i, ids.EdgeId)),
            )
        return hide_in_view(vs, self.ex.event) if self.hides() else vs

    def conv(self, cs):
        look = self._look()
        if look:
            cs.touched = cs.touched | {
                i for i in look if isinstance(i, (ids.CellId, ids.KernelId, ids.KernelBiasId))
            }
        return hide_in_conv(cs, self.ex.event) if self.hides() else cs

    def hides_loss(self) -> bool:
        """The step's loss is hidden now: a question asks a number of the forward or the loss
        phase (lesson_hide.LOSS_AFTER), which the loss is worked out from."""
        asked = self.asked_event()
        return asked is not None and asked.phase in LOSS_AFTER

    def refuses(self, what: str) -> bool:
        """True, said in one sentence, while a question asks a number of this step: `what` (a
        dialog or a file that would show or write it) waits for the answer."""
        if self.asked_event() is None and self._later_rows() is None:
            return False
        self.w.show_error(
            f"{what}, and a question asks one of its numbers; answer it or reveal it (Space) first"
        )
        return True

    def snippet(self, sn):
        """The Code panel's snippet, the number hidden."""
        asked = self.asked_event()
        return sn if asked is None else hide_in_snippet(sn, asked)

    def description(self, text: str) -> str:
        """The preset's description, the number hidden (the worked example states two), and
        the step's loss for a question that comes before it (lesson_hide.LOSS_AFTER)."""
        asked = self.asked_event()
        loss = self.ex.current.loss if self.hides_loss() else None
        return text if asked is None else hide_in_text(text, asked, loss)

    def _look(self) -> tuple[str, ...]:
        """The drawing ids of what the lesson's step on screen says to look at."""
        if self.lesson is None or self.preparing is not None:
            return ()
        return self.lesson.steps[self.k].look_ids
