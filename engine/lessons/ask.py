"""One question on one event, as the player asks it: a number typed, a hint and a second try
after a wrong one, then the worked numbers. Qt-free, so the window and the tests share it."""

from __future__ import annotations

from dataclasses import dataclass

from engine.numpy_engine.trace import Trace

from .grade import hint, is_right, parse_answer, question_text, reveal

TRIES = 2  # a hint after the first wrong answer, then the reveal after the second


@dataclass(frozen=True)
class Reply:
    state: str  # again (not a number) | hint (wrong, try again) | right | wrong | shown
    text: str  # what the learner reads


class Question:
    def __init__(self, trace: Trace, index: int, tries: int = TRIES):
        self.trace, self.index, self.tries_left = trace, index, tries
        self.event = trace[index]
        self.done = False
        self.right = False

    @property
    def text(self) -> str:
        """The formula in symbols, the numbers it needs, '= ?'."""
        return f"{question_text(self.event)} = ?"

    def answer(self, typed: str) -> Reply:
        if self.done:
            return Reply("shown", reveal(self.event))
        value = parse_answer(typed)
        if value is None:
            return Reply("again", "Type a number, e.g. 0.25 or −1.5e-3.")
        if is_right(value, self.event.value):
            self.done = self.right = True
            return Reply("right", f"Right. {reveal(self.event)}")
        self.tries_left -= 1
        if self.tries_left > 0:
            return Reply("hint", f"Not quite. {hint(self.trace, self.index, value)}")
        self.done = True
        return Reply("wrong", f"Not quite. {reveal(self.event)}")

    def give_up(self) -> Reply:
        """The reveal without an answer (a lecturer's key, or Space)."""
        self.done = True
        return Reply("shown", reveal(self.event))


__all__ = ["TRIES", "Question", "Reply"]
