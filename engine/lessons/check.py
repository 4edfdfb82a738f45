"""A lesson checked against the engine: every network builds, every event exists, every answer
is the engine's, every construct solution works, and every number a text quotes is one of the
step's numbers (at the digits written).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import numpy as np

from engine.numpy_engine import Network
from engine.numpy_engine.fmt import num

from .address import Address, AddressError
from .construct import construct_check, params_from_layers
from .lesson import Activity, Lesson, LessonError, Step, load_lesson
from .networks import CURRENT, NetworkRefError, network_for, place, ref_name

MAX_QUOTED_EVENTS = 20_000  # events of one step scanned for a quoted number
_NUMBER = re.compile(r"(?<![\w\[.])[−-]?\d*\.\d+(?:[eE][−-]?\d+)?(?![\w\]])")


def direction_answer(net: Network, act: Activity, folder: Path) -> str:
    """The engine's answer to a direction activity ('up'/'down', 'positive'/'negative', or the
    race's winner)."""
    if act.of is not None:
        pl = place(net, act.of)
        return way_of(pl.result.events[pl.index])
    return race_winner(act.race, folder, net)


def way_of(ev) -> str:
    """The way an event goes: an update 'up', 'down' or 'stays', any other number 'positive',
    'negative' or 'zero'."""
    if ev.kind == "update":
        change = ev.detail["new"] - ev.detail["w"]
        return "up" if change > 0 else "down" if change < 0 else "stays"
    return "positive" if ev.value > 0 else "negative" if ev.value < 0 else "zero"


def way_said(ev) -> str:
    """The numbers that show an event's way, in the course's notation: an update's old and new
    value ("w[2][0][0]: −1.148 → −1.113"), any other number's value."""
    if ev.kind == "update":
        return f"{ev.symbol}: {num(ev.detail['w'])} → {num(ev.detail['new'])}"
    return f"{ev.symbol} = {num(ev.value)}"


def race_results(race: dict, folder: Path, current: Network | None = None) -> dict:
    """choice → (the first step whose whole-data loss is under `under`, or None; the loss after
    `steps` steps), each network trained from its own start."""
    out = {}
    for choice, ref in race["networks"].items():
        net = network_for(ref, folder, current)
        state, first, loss = net.initial_state(), None, float("inf")
        for t in range(1, race["steps"] + 1):
            state = net.step(state, trace=False).after
            loss = net.loss(state)
            if first is None and race.get("under") is not None and loss < race["under"]:
                first = t
        out[choice] = (first, loss if np.isfinite(loss) else float("inf"))
    return out


def race_winner(race: dict, folder: Path, current: Network | None = None, results=None) -> str:
    """The choice whose loss first goes under `under`, else the lowest loss after `steps`."""
    results = race_results(race, folder, current) if results is None else results
    return min(results, key=lambda c: (0, results[c][0]) if results[c][0] else (1, results[c][1]))


def _settings(net: Network) -> list[float]:
    """The network's numeric settings: the optimizer's, the regularization, dropout rates."""
    spec = net.spec
    out = [v for v in asdict(spec.optimizer).values() if isinstance(v, (int, float))]
    out += [spec.regularization.l1, spec.regularization.l2, *net.model.dropout]
    return [float(v) for v in out if v is not None]


def _numbers_of(pl, extra=(), limit: int = MAX_QUOTED_EVENTS) -> list[float]:
    """Every number a learner sees in this step: event values, parameters before and after, data,
    the settings of its network (and of the networks a race trains)."""
    out = _settings(pl.net) + list(extra)
    ev = pl.result.events
    out += [ev[i].value for i in range(min(len(ev), limit))]
    for st in (pl.result.before, pl.result.after):
        for W, b in st.params:
            out += W.ravel().tolist() + b.ravel().tolist()
    rows = list(pl.result.rows)
    out += pl.net.data.inputs[rows].ravel().tolist() + pl.net.data.targets[rows].ravel().tolist()
    return out


def quoted_numbers(text: str) -> list[str]:
    """The decimal numbers a text writes (0.5933, −0.038, .25); whole numbers are not checked."""
    return _NUMBER.findall(text)


def _matches(q: str, values: list[float]) -> bool:
    x = float(q.replace("−", "-"))
    mant = q.replace("−", "").replace("-", "").split("e")[0].split("E")[0]
    digits = len(mant.replace(".", "").lstrip("0")) or 1
    return any(np.isfinite(v) and float(f"{v:.{digits}g}") == x for v in values)


def _check_step(lesson: Lesson, k: int, st: Step, net: Network | None, problems: list[str]):
    where = f"step {k + 1}"
    pl = None
    if net is not None and st.go is not None:
        try:
            pl = place(net, st.go)
        except AddressError as e:
            problems.append(f"{where}: no such event ({st.go.describe()}): {e}")
    if pl is not None or (net is not None and st.go is None and st.network != CURRENT):
        if pl is None:
            pl = place(net, Address("loss"))
        race = st.activity.race if st.activity is not None else None
        extra = []
        for ref in (race or {}).get("networks", {}).values():
            try:
                extra += _settings(network_for(ref, lesson.folder, net))
            except NetworkRefError as e:
                problems.append(f"{where}.activity.race: {e}")
        values = _numbers_of(pl, extra)
        for q in quoted_numbers(st.text):
            if not _matches(q, values):
                problems.append(f"{where}: the text quotes {q}, which is no number of this step")
    act = st.activity
    if act is None or net is None:
        return
    if act.type == "direction":
        try:
            right = direction_answer(net, act, lesson.folder)
        except (AddressError, NetworkRefError) as e:
            problems.append(f"{where}.activity: {e}")
            return
        if right != act.answer:
            problems.append(
                f"{where}.activity: the answer is {act.answer!r}, the engine says {right!r}"
            )
        if right not in act.choices:
            problems.append(f"{where}.activity: the engine's answer {right!r} is not a choice")
    elif act.type == "construct":
        try:
            verdict = construct_check(net, params_from_layers(net, list(act.solution)))
        except ValueError as e:
            problems.append(f"{where}.activity.solution: {e}")
            return
        if not verdict.right:
            problems.append(f"{where}.activity.solution does not work: {verdict.wrong[0]}")


def check_lesson(lesson: Lesson, current: Network | None = None) -> list[str]:
    """Every problem of the lesson against the engine, one sentence each; [] when it is right."""
    problems: list[str] = []
    cache: dict[str, Network | None] = {}
    for k, st in enumerate(lesson.steps):
        key = repr(st.network)
        if key not in cache:
            try:
                cache[key] = opens(network_for(st.network, lesson.folder, current), st.network)
            except NetworkRefError as e:
                cache[key] = None
                if st.network != CURRENT:
                    problems.append(f"step {k + 1}: {e}")
        _check_step(lesson, k, st, cache[key], problems)
    if sum(st.activity is not None for st in lesson.steps) < 1:
        problems.append("the lesson has no activity")
    return problems


def opens(net: Network, ref) -> Network:
    """`net` if the window would open it: its first step finite (a network whose first loss is
    infinite passed the check and was refused in the window)."""
    from engine.numpy_engine.guard import check_step

    d = check_step(net.step(net.initial_state(), trace=False))
    if d is not None:
        raise NetworkRefError(
            f"network {ref_name(ref)}: its first training step is not finite ({d.reason}), so the window "
            "would not open it"
        )
    return net


def check_file(path: str | Path) -> list[str]:
    """Every problem of a lesson file: its format first, then against the engine."""
    try:
        lesson = load_lesson(path)
    except LessonError as e:
        return list(e.problems)
    return check_lesson(lesson)


__all__ = [
    "check_file",
    "check_lesson",
    "direction_answer",
    "quoted_numbers",
    "race_results",
    "race_winner",
    "way_of",
]
