"""Sessions: the network (with the parameters and optimizer state of the current step), its data,
the loss history and the position in the trace, as one JSON file. Reopening replays nothing: the
saved state is stepped once and the position restored."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from engine.numpy_engine import Dataset, Network, NetworkFileError, TrainState, parse_network
from engine.numpy_engine.spec import spec_to_dict

FORMAT = "backprop-studio-session/1"


class SessionError(ValueError):
    """A session file that cannot be used."""


def session_dict(explainer) -> dict:
    net, cur = explainer.net, explainer.current
    spec = spec_to_dict(net.spec, cur.before.params)
    spec["data"] = {"inputs": net.data.inputs.tolist(), "targets": net.data.targets.tolist()}
    opt = [
        [{k: v.tolist() for k, v in sw.items()}, {k: v.tolist() for k, v in sb.items()}]
        for sw, sb in cur.before.opt_state
    ]
    return {
        "format": FORMAT,
        "network": spec,
        "data_name": net.data.name,
        "task": net.data.task,
        "t": cur.before.t,
        "opt_state": opt,
        "event_index": explainer.event_index,
        "source": explainer.source,
        "losses": [explainer.loss_t, explainer.loss_v],
    }


def save_session(explainer, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(session_dict(explainer), f)
    os.replace(tmp, path)
    return path


def load_session(path: str | Path):
    """(network, state, event index, losses, source); raises SessionError with a clear message."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SessionError(f"cannot read session {Path(path).name}: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise SessionError(f"{Path(path).name} is not a Backprop Studio session")
    try:
        spec = parse_network(d["network"])
        x = np.array(d["network"]["data"]["inputs"], float)
        y = np.array(d["network"]["data"]["targets"], float)
        net = Network(
            spec, Dataset(d.get("data_name", "data"), x, y, d.get("task", "classification"))
        )
        init = net.initial_state()
        opt = tuple(
            tuple(
                {k: np.array(v, float).reshape(ref[k].shape) for k, v in part.items()}
                for part, ref in zip(layer, ref_layer, strict=True)
            )
            for layer, ref_layer in zip(d["opt_state"], init.opt_state, strict=True)
        )
        state = TrainState(init.params, opt, int(d["t"]))
        losses = d.get("losses", [[], []])
        return net, state, int(d.get("event_index", 0)), losses, d.get("source", "")
    except NetworkFileError as e:
        raise SessionError(f"session network: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise SessionError(f"session {Path(path).name} is damaged ({e})") from None
