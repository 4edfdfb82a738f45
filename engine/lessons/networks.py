"""A lesson step's network and the training step its event is in, built from the engine alone.

A reference is a preset name (assets/presets/NAME.json), a file beside the lesson, "current" (the
network the caller has open), or {"preset" or "file": …, "set": {…}}: the file with some of its
top-level keys replaced (e.g. another optimizer), validated as any network file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.numpy_engine import Network
from engine.numpy_engine.limits import MAX_NETWORK_FILE_BYTES
from engine.numpy_engine.network import StepResult
from engine.numpy_engine.spec import load_network_file, parse_network
from engine.safe_io import read_json

from .address import Address, AddressError, resolve

PRESETS = Path(__file__).resolve().parents[2] / "assets" / "presets"
LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"
CURRENT = "current"


class NetworkRefError(ValueError):
    """A network a lesson names that cannot be built; the message says which and why."""


def _path(name: str, folder: Path, preset: bool) -> Path:
    if preset or ("/" not in name and not name.endswith(".json")):
        if not name.replace("_", "").isalnum():
            raise NetworkRefError(f"{name!r} is not a preset name")
        p = PRESETS / f"{name}.json"
        if not p.is_file():
            raise NetworkRefError(f"there is no preset {name!r} in assets/presets")
        return p
    p = (folder / name).resolve()
    if not p.is_relative_to(folder.resolve()):
        raise NetworkRefError(f"{name!r} is not beside the lesson")
    return p


def network_path(ref, folder: Path) -> Path:
    """The preset or file a reference (not CURRENT) names; NetworkRefError when none."""
    if isinstance(ref, str):
        return _path(ref, folder, False)
    return _path(ref.get("preset") or ref.get("file"), folder, "preset" in ref)


def network_for(ref, folder: Path, current: Network | None = None) -> Network:
    """The Network a reference names; NetworkRefError (one sentence) when there is none."""
    if ref == CURRENT:
        if current is None:
            raise NetworkRefError("this step uses the current network, and none is open")
        return current
    try:
        path = network_path(ref, folder)
        if isinstance(ref, str):
            net = Network(load_network_file(path))
        else:
            obj = read_json(path, MAX_NETWORK_FILE_BYTES, "network file")
            obj.update(ref.get("set", {}))
            net = Network(parse_network(obj))
    except NetworkRefError:
        raise
    except (ValueError, OSError) as e:  # NetworkFileError, UnreadableFile, CsvError, LimitError
        raise NetworkRefError(f"network {ref_name(ref)}: {e}") from None
    if net.data is None:
        raise NetworkRefError(f"network {ref_name(ref)} has no data to train on")
    return net


def ref_name(ref) -> str:
    """A network reference as a lesson names it: the preset or file."""
    return ref if isinstance(ref, str) else str(ref.get("preset") or ref.get("file"))


@dataclass(frozen=True)
class Place:
    net: Network
    result: StepResult  # the training step the event is in
    index: int  # the event's index in result.events


def place(net: Network, a: Address) -> Place:
    """Run the training steps before `a.step` (untraced) and find a's event in step a.step."""
    state = net.initial_state()
    if a.step > 1:
        state, _ = net.train(state, a.step - 1)
    r = net.step(state)
    if len(r.events) == 0:
        raise AddressError("this network's step has no events")
    return Place(net, r, resolve(r.events, r.rows, a))


__all__ = [
    "CURRENT",
    "LESSONS",
    "PRESETS",
    "NetworkRefError",
    "Place",
    "network_for",
    "place",
    "ref_name",
]
