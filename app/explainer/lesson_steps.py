"""A lesson's steps' networks (a part of LessonMode; needs its `w`, `ex`, `player`, `lesson`,
`preparing`, `progress`): a step's network is built and trained to its step in a worker thread,
then switched to, and nothing changes on failure. A lesson is opened the same way: it replaces
the one open only once its first step's network is ready (a lesson whose step named a missing
file, or an event that is not there, had replaced the open lesson and dropped its question, the
old step's text and answer box left standing)."""

from __future__ import annotations

from superqt.utils import create_worker

from app.shared.errors import log_exception
from engine.lessons.address import AddressError, resolve
from engine.lessons.lesson import Lesson, LessonError, load_lesson
from engine.lessons.networks import CURRENT, network_for, network_path
from engine.numpy_engine.edits import edits

from . import loading


def prepare_step(ref, folder, go, t: int) -> loading.Prepared:
    """(In a worker thread.) The network a step names, trained to its step t, traced and
    checked, and its event found: the engine alone, nothing of the window. Any failure is
    raised here, before the window changes."""
    net = network_for(ref, folder)
    state, losses = net.train(net.initial_state(), max(0, t - 1))
    r = loading.first_step(net, state)
    index = resolve(r.events, r.rows, go) if go is not None else 0
    source = "" if ref == CURRENT else str(network_path(ref, folder))  # the preset box names it
    steps = list(range(1, len(losses) + 1))  # the loss curve has the steps trained to get here
    return loading.Prepared(net, r, source=source, losses=(steps, losses), event_index=index)


class StepNetworks:
    def open_path(self, path: str) -> bool:
        """Open the lesson at `path` where its progress left it: True when it is open or being
        opened (its first step's network is prepared in a worker; a failure then leaves the
        lesson open before as it was, and says why)."""
        try:
            lesson = load_lesson(path)
        except LessonError as e:
            self.w.show_error(f"Lesson not opened: {e}")
            return False
        k = min(self.progress.get(lesson.name).step, len(lesson.steps) - 1)
        if lesson.steps[k].network != CURRENT:  # a step's network being prepared is dropped
            self._start(lesson, k, opening=path)
            return True
        problem = self._on_current(lesson.steps[k])  # nothing to prepare: checked here
        if problem:
            self.w.show_error(f"Lesson not opened: its step {k + 1} {problem}")
            return False
        self._switch_lesson(lesson, path)
        self.go(k)
        return True

    def _on_current(self, st) -> str:
        """Why a step on the network on screen cannot be shown ("" when it can)."""
        if self.ex.net is None:
            return "uses the current network, and none is open"
        if st.go is not None:
            r = self.ex.current
            try:
                resolve(r.events, r.rows, st.go)
            except AddressError as e:
                return f"cannot be shown: {e}"
        return ""

    def _switch_lesson(self, lesson: Lesson, path: str) -> None:
        self.lesson, self._loaded, self.k = lesson, None, 0  # k: the old lesson's step no more
        self.lesson_path = path
        self.free = False  # a lesson asks its own questions
        self.question = self.asking = self.later = None
        self.race = None  # a race of before: its result is dropped
        self.drop_prepared()  # and a step's network of before
        self.w.welcome.dismiss()  # whoever opens a lesson has found the first step
        self.player.show_lesson(path)
        self.show_dock()
        self.dock.raise_()

    def _start(self, lesson: Lesson, k: int, opening: str | None = None) -> None:
        """Prepare step k's network of `lesson` in a worker (`opening`: the lesson's path, the
        lesson not open yet)."""
        st = lesson.steps[k]
        key = (repr(st.network), st.go.step if st.go is not None else 1)
        gen = self.drop_prepared()
        self.preparing = create_worker(
            prepare_step, st.network, lesson.folder, st.go, key[1], _start_thread=False,
            _connect={"returned": lambda p: self._prepared(gen, k, key, p, lesson, opening),
                      "errored": lambda e: self._not_prepared(gen, k, e, opening)},
        )  # fmt: skip
        self.preparing.start()

    def drop_prepared(self) -> int:
        """A network being prepared is not shown when it comes (another step or lesson asked
        for, the lesson left); the number the next preparation is known by."""
        self._preparations += 1
        self.preparing = None
        return self._preparations

    def _current(self, gen: int) -> bool:
        return gen == self._preparations

    def _prepared(self, gen: int, k: int, key, p, lesson: Lesson, opening: str | None) -> None:
        if not self._current(gen):  # dropped meanwhile (another step or lesson asked for,
            return  # the lesson left, prediction mode): what is on screen stays
        self.preparing = None
        if opening is not None:
            self._switch_lesson(lesson, opening)
        if self.ex.load_prepared(lambda: p, f"Lesson step {k + 1} not shown: "):
            self._net, self._loaded = p.net, key
            self._enter(k)

    def _not_prepared(self, gen: int, k: int, exc: BaseException, opening: str | None) -> None:
        if not self._current(gen):
            return
        self.preparing = None
        if not isinstance(exc, ValueError):  # a bug: logged, then the same one sentence
            log_exception(type(exc), exc, exc.__traceback__)
        if opening is not None:  # the list names the lesson still open, not the refused one
            self.player.show_lesson(self.lesson_path if self.lesson is not None else "")
            self.w.show_error(f"Lesson not opened: its step {k + 1} cannot be shown: {exc}")
        else:
            self.w.show_error(f"Lesson step {k + 1} not shown: {exc}")

    def _edited(self) -> bool:
        """Whether a weight or bias of the network on screen was changed by hand."""
        if self.ex.net is None:
            return False
        start, later = edits(self.ex.net, self.ex.history)
        return start is not None or later is not None

    def _forget_loaded(self) -> None:
        if self.ex.net is not self._net:
            self._loaded = None
