"""Validate, then switch: everything the window may be asked to show next is built and checked
here, aside, before the window changes. A network file, a session, a CSV, a built-in dataset or
the editor's settings become a `Prepared` (the network, its first traced step, the position and
loss history to show) or raise a LoadError whose message is one plain sentence. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.numpy_engine import (
    Dataset,
    Network,
    StepResult,
    TrainState,
    load_csv,
    load_network_file,
    make_dataset,
    parse_network,
)
from engine.numpy_engine.adapt import adapt_to_data
from engine.numpy_engine.guard import check_step
from engine.numpy_engine.spec import DataSpec

from .session import load_session


class LoadError(ValueError):
    """Why something could not be opened or applied; the window is unchanged."""


@dataclass
class Prepared:
    net: Network
    first: StepResult  # the first traced step, already computed and found finite
    source: str = ""  # the file or preset it came from ("" for the editor and data changes)
    losses: tuple[list[int], list[float]] = field(default_factory=lambda: ([], []))
    event_index: int = 0
    info: str = ""  # a status line for the user (how the data was read)
    from_preset: bool = False  # a session of its source preset, trained (not edited)


def first_step(net: Network, state: TrainState | None = None) -> StepResult:
    """The first step, traced, checked finite, and its first and last events built."""
    if net.data is None:
        raise LoadError("the network has no data to train on")
    r = net.step(state if state is not None else net.initial_state())
    diverged = check_step(r)
    if diverged is not None:
        raise LoadError(
            f"its first training step is not finite ({diverged.reason}); check the weights, "
            "the data and the learning rate"
        )
    r.events[0], r.events[len(r.events) - 1]  # noqa: B018 - writing an event must work too
    return r


def from_file(path: str | Path) -> Prepared:
    net = Network(load_network_file(path))
    if net.data is None:
        raise LoadError(f"{Path(path).name} has no data to train on")
    return Prepared(net, first_step(net), source=str(path), info=_notes(net.data))


def from_dict(d: dict, current: Network | None, keep: TrainState | None = None) -> Prepared:
    """The editor's network (a network-file dict); it keeps the current data when it has none."""
    spec = parse_network(d)
    data = current.data if spec.data is None and current is not None else None
    net = Network(spec, data)
    return Prepared(net, first_step(net, keep))


def from_session(path: str | Path) -> Prepared:
    net, state, event_index, losses, source, from_preset = load_session(path)
    r = first_step(net, state)
    if event_index >= len(r.events):
        raise LoadError(
            f"session {Path(path).name} is damaged: event_index {event_index} is beyond this "
            f"step's {len(r.events)} events"
        )
    return Prepared(
        net, r, source=source, losses=losses, event_index=event_index, from_preset=from_preset
    )


def from_data(spec, data: Dataset, data_spec: DataSpec | None) -> Prepared:
    """The current network fitted to new data (input and output layers, loss)."""
    net = Network(adapt_to_data(spec, data, data_spec), data)
    info = f"data: {data.name} ({len(data.inputs)} samples, {data.task})"
    notes = _notes(data)
    return Prepared(net, first_step(net), info=f"{info}; {notes}" if notes else info)


def from_dataset(spec, name: str) -> Prepared:
    return from_data(spec, make_dataset(name), DataSpec(dataset=name))


def from_csv(spec, path: str | Path) -> Prepared:
    return from_data(spec, load_csv(path), None)


def _notes(data: Dataset | None) -> str:
    return "; ".join(data.notes) if data is not None and data.notes else ""
