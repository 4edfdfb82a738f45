"""A network file's optional "race": the optimizer race its Landscape panel starts from (the
optimizers, their learning rates, the steps and the plane), the one the preset's description
tells. Checked here as far as a file can be without its weights; the race checks the rest (a
weight's layer and indices) when it runs, as it does for what is typed into the panel.

    "race": {"optimizers": ["sgd", "momentum"], "lrs": [0.1, 0.002], "steps": 40,
             "plane": "weights:1.0.0,1.0.1"}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import fields as F
from .fields import NetworkFileError
from .optimizers import OPTIMIZERS

MAX_RACE_STEPS = 2000  # the Landscape panel's steps field goes as far
MAX_RACE_LR = 1e3  # a racer's largest learning rate (landscape_race.racers checks it too)
WEIGHT_ID = re.compile(r"\d{1,6}(\.\d{1,6}){1,4}")  # L.J.I, L.J (a γ), L.F.C.I.J (a filter's)


@dataclass(frozen=True)
class RaceSpec:
    optimizers: tuple[str, ...]
    lrs: tuple[float, ...] | None = None  # None: each optimizer's usual rate
    steps: int = 40
    plane: str = "path"  # path | random | weights:L.J.I,L.J.I

    def fields(self) -> tuple[str, str, int, str]:
        """As the panel's fields and the command line's flags write it."""
        lrs = "" if self.lrs is None else ",".join(map(_short, self.lrs))
        return ",".join(self.optimizers), lrs, self.steps, self.plane


def _short(v: float) -> str:
    """0.002 as "0.002", and 0.0012345678 whole (":g" keeps six figures)."""
    return f"{v:g}" if float(f"{v:g}") == v else repr(v)


def parse_race(obj: Any) -> RaceSpec:
    """The "race" object of a network file. Its plane's weights are checked when it runs: the
    editor keeps a file's race while it removes the layer the plane names."""
    r = F.keys(obj, "race", ("optimizers", "lrs", "steps", "plane"))
    names = r.get("optimizers")
    if not isinstance(names, list) or not 1 <= len(names) <= len(OPTIMIZERS):
        raise NetworkFileError(
            "race.optimizers", f"expected a list of 1 to {len(OPTIMIZERS)} optimizer names"
        )
    opts = tuple(F.choice(n, f"race.optimizers[{k}]", OPTIMIZERS) for k, n in enumerate(names))
    if len(set(opts)) != len(opts):
        raise NetworkFileError("race.optimizers", "name each optimizer once")
    lrs = r.get("lrs")
    if lrs is not None:
        if not isinstance(lrs, list) or len(lrs) != len(opts):
            raise NetworkFileError("race.lrs", f"expected a list of {len(opts)} learning rates")
        lrs = tuple(
            F.number(v, f"race.lrs[{k}]", low=0.0, low_open=True, high=MAX_RACE_LR)
            for k, v in enumerate(lrs)
        )
    steps = F.whole(r.get("steps", 40), "race.steps", 1, MAX_RACE_STEPS)
    plane = F.text(r.get("plane", "path"), "race.plane")
    _check_plane(plane)
    return RaceSpec(opts, lrs, steps, plane)


def _check_plane(plane: str) -> None:
    if plane in ("path", "random"):
        return
    ids = plane[len("weights:") :].split(",") if plane.startswith("weights:") else []
    if len(ids) != 2 or not all(WEIGHT_ID.fullmatch(t) for t in ids):
        raise NetworkFileError(
            "race.plane", f"{F.describe(plane)}: path, random or weights:L.J.I,L.J.I"
        )
    if ids[0] == ids[1]:
        raise NetworkFileError("race.plane", f"{plane} names the same weight twice")


def race_to_dict(race: RaceSpec) -> dict:
    out: dict[str, Any] = {"optimizers": list(race.optimizers)}
    if race.lrs is not None:
        out["lrs"] = list(race.lrs)
    out["steps"], out["plane"] = race.steps, race.plane
    return out
