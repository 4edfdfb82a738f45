"""Sessions: the network (with the parameters and optimizer state of the current step), its data,
the loss history and the position in the trace, as one JSON file. Reopening replays nothing: the
saved state is stepped once and the position restored.

Reading is as strict as a network file: a regular file under MAX_SESSION_FILE_BYTES, guarded JSON,
every field checked (types, shapes, finite numbers, the optimizer's state names) before anything
is built, and every problem one SessionError naming the field.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from engine.atomic import atomic_path
from engine.numpy_engine import Dataset, Network, NetworkFileError, TrainState, parse_network
from engine.numpy_engine import fields as F
from engine.numpy_engine.limits import MAX_LOSS_POINTS, MAX_SESSION_FILE_BYTES, MAX_T
from engine.numpy_engine.optimizers import OPTIMIZERS
from engine.numpy_engine.spec import spec_to_dict
from engine.safe_io import UnreadableFile, read_json

FORMAT = "backprop-studio-session/1"
MAX_SOURCE_CHARS = 4096  # the path of the file a session's network came from, at most
KEYS = (
    "format",
    "network",
    "data_name",
    "task",
    "t",
    "opt_state",
    "event_index",
    "source",
    "losses",
    "from_preset",  # the network is its source preset's, trained (its box names the preset)
)
TASKS = ("classification", "regression")


class SessionError(ValueError):
    """A session file that cannot be used; the message is one plain sentence."""


def plain(v: Any) -> Any:
    """`v` as plain Python types only (dict, list, str, int, float, bool, None): NumPy scalars
    and arrays, tuples and the keys of dicts included, so json.dump never meets an int64."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return plain(v.tolist())
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if v is None or isinstance(v, str):
        return v
    raise TypeError(f"a session cannot hold a {type(v).__name__}")


def session_dict(explainer) -> dict:
    """The session as plain Python types (see `plain`)."""
    net, cur = explainer.net, explainer.current
    spec = spec_to_dict(net.spec, cur.before.params, cur.before.stats)
    spec["data"] = {"inputs": net.data.inputs, "targets": net.data.targets}
    opt = [[dict(sw), dict(sb)] for sw, sb in cur.before.opt_state]
    return plain(
        {
            "format": FORMAT,
            "network": spec,
            "data_name": net.data.name,
            "task": net.data.task,
            "t": cur.before.t,
            "opt_state": opt,
            "event_index": explainer.event_index,
            "source": explainer.source,
            "losses": [explainer.loss_t, explainer.loss_v],
            "from_preset": _from_preset(explainer),
        }
    )


def _from_preset(explainer) -> bool:
    """Whether the network is its source preset's, trained: the session holds its weights at
    this step, which no longer equal the preset's, so this says it (the preset box read
    "changed" after every restore)."""
    from app.explainer.data_panel import PRESET_DIR, is_unchanged_preset

    if explainer.edited:  # a weight changed on the drawing: the box says "changed"
        return False
    if explainer.from_preset:
        return True
    source = Path(explainer.source).resolve() if explainer.source else None
    if source is None or source.parent != Path(PRESET_DIR).resolve():
        return False  # not a preset: nothing to name (a digit's file was read whole at quit)
    return is_unchanged_preset(source, explainer.spec)


def save_session(explainer, path: str | Path) -> Path:
    """Write the session atomically: a reader sees the old file or the whole new one."""
    path = Path(path)
    with atomic_path(path, make_folder=True) as tmp, open(tmp, "w", encoding="utf-8") as f:
        json.dump(session_dict(explainer), f, allow_nan=False)
    return path


def _network(d: dict) -> dict:
    net = d.get("network")
    if not isinstance(net, dict):
        raise NetworkFileError("network", "expected an object")
    opt = net.get("optimizer")
    if isinstance(opt, dict) and opt.get("name") in OPTIMIZERS:
        # sessions written before optimizers were strict carried every setting: keep the used ones
        used = OPTIMIZERS[opt["name"]].hyper
        net = {**net, "optimizer": {k: v for k, v in opt.items() if k == "name" or k in used}}
    data = net.get("data")
    if not isinstance(data, dict) or "inputs" not in data:
        raise NetworkFileError("network.data", "a session holds its data as inputs and targets")
    return net


def _array(v: Any, where: str, shape: tuple[int, ...]) -> np.ndarray:
    if len(shape) > 2:  # a conv layer's filters
        from engine.numpy_engine.spec_layers import nested

        return nested(v, where, shape)
    if len(shape) == 2:
        return F.matrix(v, where, *shape)
    return F.matrix([v] if isinstance(v, list) else v, where, 1, shape[0]).reshape(shape)


def _opt_state(raw: Any, net: Network, init: TrainState) -> tuple:
    names = OPTIMIZERS[net.spec.optimizer.name].state_names
    if not isinstance(raw, list) or len(raw) != len(init.opt_state):
        raise NetworkFileError("opt_state", f"expected one entry per layer ({len(init.params)})")
    out = []
    for k, (layer, (W, b)) in enumerate(zip(raw, init.params, strict=True)):
        if not isinstance(layer, list) or len(layer) != 2:
            raise NetworkFileError(f"opt_state[{k}]", "expected [weights' state, bias' state]")
        parts = []
        for p, (part, ref) in enumerate(zip(layer, (W, b), strict=True)):
            where = f"opt_state[{k}][{p}]"
            part = F.keys(part, where, names)
            missing = [n for n in names if n not in part]
            if missing:
                raise NetworkFileError(
                    f"{where}.{missing[0]}", f"{net.spec.optimizer.name} needs it"
                )
            parts.append({n: _array(part[n], f"{where}.{n}", ref.shape) for n in names})
        out.append(tuple(parts))
    return tuple(out)


def _losses(raw: Any) -> tuple[list[int], list[float]]:
    if raw is None:
        return [], []
    if not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(x, list) for x in raw):
        raise NetworkFileError("losses", "expected [steps, losses]: two lists")
    steps, values = raw
    if len(steps) != len(values):
        raise NetworkFileError("losses", f"{len(steps)} steps but {len(values)} losses")
    if len(steps) > MAX_LOSS_POINTS:
        raise NetworkFileError("losses", f"{len(steps):,} points; the limit is {MAX_LOSS_POINTS:,}")
    t = [F.whole(s, f"losses[0][{i}]", 0, MAX_T) for i, s in enumerate(steps)]
    if any(b <= a for a, b in zip(t, t[1:], strict=False)):
        raise NetworkFileError("losses[0]", "the steps must increase")
    return t, [F.number(v, f"losses[1][{i}]") for i, v in enumerate(values)]


def parse_session(d: Any, name: str = "session"):
    """(network, state, event index, losses, source, from its source preset) from a decoded
    session file."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise SessionError(f"{name} is not a Backprop Studio session")
    try:
        F.keys(d, "", KEYS)
        spec = parse_network(_network(d))
        task = F.choice(d.get("task", "classification"), "task", TASKS)
        label = F.text(d.get("data_name", "data"), "data_name")
        x, y = np.array(spec.data.inputs), np.array(spec.data.targets)
        net = Network(spec, Dataset(label, x, y, task))
        init = net.initial_state()
        opt = _opt_state(d.get("opt_state"), net, init)
        state = TrainState(init.params, opt, F.whole(d.get("t"), "t", 0, MAX_T), init.stats)
        event_index = F.whole(d.get("event_index", 0), "event_index", 0)
        source = F.text(d.get("source", ""), "source")
        if not _a_path(source):  # (a NUL or a lone surrogate: half a window built)
            raise SessionError(f"{name} is damaged: its 'source' is not a file's path")
        return (
            net,
            state,
            event_index,
            _losses(d.get("losses")),
            source,
            d.get("from_preset", False) is True,
        )
    except NetworkFileError as e:
        raise SessionError(f"{name} is damaged: {e}") from None


def _a_path(source: str) -> bool:
    """Whether `source` can name a file here (the window resolves it to name the preset)."""
    if "\x00" in source or len(source) > MAX_SOURCE_CHARS:
        return False
    try:
        os.fsencode(source)
    except UnicodeError:
        return False
    return True


def load_session(path: str | Path):
    """parse_session's tuple; raises SessionError with a clear message."""
    try:
        d = read_json(path, MAX_SESSION_FILE_BYTES, "session")
    except UnreadableFile as e:
        raise SessionError(f"cannot read the session: {e}") from None
    return parse_session(d, f"session {Path(path).name}")
