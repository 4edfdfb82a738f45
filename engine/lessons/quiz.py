"""Questions on a run's events: which events to ask, chosen across the phases, reproducibly.

The events are addressed as `trace --events all` numbers them: the steps' events one after the
other. Only the chosen events are built (each step's trace is lazy), so a quiz on a network with
thousands of events per step costs a few dozen events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.numpy_engine.trace import PHASES, Trace

from .grade import askable

MAX_COUNT = 100  # questions in one quiz
TRIES = 64  # draws per question before its phase is given up


@dataclass(frozen=True)
class Pick:
    number: int  # the event's 0-based index in `trace --steps N --events all`
    step: int  # which step's trace (0-based)
    index: int  # its index in that trace


def _ranges(traces: list[Trace]) -> dict[str, list[tuple[int, int, int]]]:
    """phase → [(step, first index, end index)] over every step."""
    out: dict[str, list[tuple[int, int, int]]] = {p: [] for p in PHASES}
    for t, tr in enumerate(traces):
        lay = tr.layout
        for p in PHASES:
            r = lay.phase_range(p)
            if len(r):
                out[p].append((t, r.start, r.stop))
    return {p: r for p, r in out.items() if r}


def _draw(rng, ranges: list[tuple[int, int, int]]) -> tuple[int, int]:
    sizes = np.array([e - s for _, s, e in ranges], dtype=np.float64)
    k = int(rng.choice(len(ranges), p=sizes / sizes.sum()))
    t, s, e = ranges[k]
    return t, int(rng.integers(s, e))


def pick_questions(traces: list[Trace], count: int, seed: int | None) -> list[Pick]:
    """`count` askable events, taking the phases in turn (forward, loss, backward, update),
    each drawn at random within its phase; the same seed gives the same questions. Sorted in
    trace order. Fewer when the run has fewer askable events."""
    rng = np.random.default_rng(seed)
    ranges = _ranges(traces)
    offsets = np.cumsum([0] + [len(t) for t in traces]).tolist()
    phases = [p for p in PHASES if p in ranges]
    chosen: set[tuple[int, int]] = set()
    q = 0
    while len(chosen) < count and phases:
        phase = phases[q % len(phases)]
        for _ in range(TRIES):
            t, i = _draw(rng, ranges[phase])
            if (t, i) not in chosen and askable(traces[t][i]):
                chosen.add((t, i))
                break
        else:  # this phase has nothing more to ask
            phases.remove(phase)
            continue
        q += 1
    return [Pick(offsets[t] + i, t, i) for t, i in sorted(chosen)]


__all__ = ["MAX_COUNT", "Pick", "pick_questions"]
