"""The lesson file: a title, a goal and steps, read and validated with every problem named.

A lesson is a JSON file in assets/lessons/ (format in the README, "Writing a lesson"):
  {"title": …, "goal": …, "network": "mazur_2_2_2",
   "steps": [{"text": …, "network": …, "go": {…}, "look": ["a[2][0]"], "activity": {…}}]}
- network: a preset name ("xor_2_2_1"), a network file beside the lesson ("nets/x.json"),
  "current" (the one open in the window), or {"preset" or "file": …, "set": {top-level keys of the
  network file to replace, e.g. "optimizer"}}. A step without one uses the previous step's.
- go: an event address (address.py) or {"action": NAME} (a trainer action, TRAINER_ACTIONS).
- activity: {"type": "predict"} (the number of the go event), {"type": "direction", "question",
  "choices", "answer", and "of": an event address (up/down for an update, positive/negative
  otherwise) or "race": {"networks": {choice: network}, "steps": N, "under": L}} (the choice whose
  loss first goes under L, or is lowest after N steps), or {"type": "construct", "solution":
  [{"weights", "bias"} per layer]} (set the weights so that every input gives its target).

parse_lesson checks the shape of the file; check.py checks it against the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.safe_io import UnreadableFile, read_json

from .address import Address, AddressError, look_ids, parse_address

MAX_LESSON_BYTES = 4 * 2**20  # a lesson is text; networks beside it are read by their own loader
MAX_STEPS = 200  # steps in one lesson
MAX_TEXT = 2000  # characters in one step's text: a few sentences
MAX_RACE_STEPS = 5000  # training steps a race may run per network
TRAINER_ACTIONS = {
    "open_trainer": "open the trainer window",
    "lr_find": "run the learning-rate range test",
    "lr_sweep": "run a learning-rate sweep",
    "tab_live": "show the live plots",
}
ACTIVITIES = ("predict", "direction", "construct")
STEP_KEYS = ("text", "network", "go", "look", "activity")
TOP_KEYS = ("title", "goal", "network", "steps")


class LessonError(ValueError):
    """A lesson that cannot be used; `problems` lists every problem found, one sentence each."""

    def __init__(self, path: str, problems: list[str]):
        self.problems = problems
        head = f"{path}: " if path else ""
        super().__init__(head + "; ".join(problems))


@dataclass(frozen=True)
class Activity:
    type: str  # predict | direction | construct
    question: str = ""  # direction: what is asked
    choices: tuple[str, ...] = ()  # direction: the choices offered
    answer: str = ""  # direction: the right choice (checked against the engine)
    of: Address | None = None  # direction: the event whose sign or change is asked
    race: dict[str, Any] | None = None  # direction: {"networks": {choice: ref}, "steps", "under"}
    solution: tuple[dict, ...] = ()  # construct: one {"weights", "bias"} per layer


@dataclass(frozen=True)
class Step:
    text: str
    network: Any  # a preset name, a file beside the lesson, "current", or {"preset"/"file", "set"}
    go: Address | None = None  # the event to go to
    action: str | None = None  # or a trainer action
    look: tuple[str, ...] = ()  # what to look at, in the course's notation
    look_ids: tuple[str, ...] = ()  # the same as drawing ids
    activity: Activity | None = None


@dataclass(frozen=True)
class Lesson:
    title: str
    goal: str
    steps: tuple[Step, ...]
    folder: Path = field(default=Path("."))  # where networks beside the lesson are looked up
    name: str = ""  # the file name without .json: the key of its progress


def _text(v, where: str, problems: list[str], limit: int = MAX_TEXT) -> str:
    if not isinstance(v, str) or not v.strip():
        problems.append(f"{where} must be a non-empty text")
        return ""
    if len(v) > limit:
        problems.append(f"{where} has {len(v):,} characters; keep it under {limit:,}")
    return v.strip()


def _network_ref(v, where: str, problems: list[str]):
    if isinstance(v, str) and v.strip():
        return v
    if isinstance(v, dict) and set(v) <= {"preset", "file", "set"}:
        if ("preset" in v) == ("file" in v) or not isinstance(v.get("preset", v.get("file")), str):
            problems.append(f"{where} needs one of 'preset' or 'file' (a name)")
        elif not isinstance(v.get("set", {}), dict):
            problems.append(f"{where}.set must be an object of network-file keys")
        return v
    problems.append(f'{where} must be a preset name, a file name, "current" or an object')
    return None


def _address(v, where: str, problems: list[str]) -> Address | None:
    try:
        return parse_address(v)
    except AddressError as e:
        problems.append(f"{where}: {e}")
        return None


def _activity(v, where: str, problems: list[str]) -> Activity | None:
    if not isinstance(v, dict) or v.get("type") not in ACTIVITIES:
        problems.append(f"{where} must be an object whose type is one of {', '.join(ACTIVITIES)}")
        return None
    kind = v["type"]
    allowed = {
        "predict": {"type"},
        "direction": {"type", "question", "choices", "answer", "of", "race"},
        "construct": {"type", "solution"},
    }[kind]
    for k in sorted(set(v) - allowed):
        problems.append(f"{where}: a {kind} activity has no key {k!r}")
    if kind == "predict":
        return Activity(kind)
    if kind == "construct":
        sol = v.get("solution")
        if not isinstance(sol, list) or not sol or not all(isinstance(x, dict) for x in sol):
            problems.append(f"{where}: a construct activity needs its answer, a 'solution' list")
            return None
        return Activity(kind, solution=tuple(sol))
    question = _text(v.get("question"), f"{where}.question", problems, 300)
    choices = v.get("choices")
    if (
        not isinstance(choices, list)
        or not 2 <= len(choices) <= 6
        or not all(isinstance(c, str) and c for c in choices)
    ):
        problems.append(f"{where}.choices must be a list of 2 to 6 texts")
        choices = []
    answer = v.get("answer")
    if not isinstance(answer, str) or answer not in choices:
        problems.append(f"{where} needs its answer, one of its choices (got {answer!r})")
    of = _address(v["of"], f"{where}.of", problems) if "of" in v else None
    race = v.get("race")
    if ("of" in v) == (race is not None):
        problems.append(f"{where} needs one of 'of' (an event) or 'race' (networks to train)")
    elif race is not None:
        _check_race(race, choices, f"{where}.race", problems)
    return Activity(kind, question, tuple(choices), answer or "", of, race)


def _check_race(race, choices, where: str, problems: list[str]) -> None:
    if not isinstance(race, dict) or set(race) - {"networks", "steps", "under"}:
        problems.append(f"{where} must be an object of networks, steps and under")
        return
    nets = race.get("networks")
    if not isinstance(nets, dict) or sorted(nets) != sorted(choices):
        problems.append(f"{where}.networks must name one network for each choice")
    else:
        for c, ref in nets.items():
            _network_ref(ref, f"{where}.networks[{c!r}]", problems)
    steps = race.get("steps")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_RACE_STEPS:
        problems.append(f"{where}.steps must be a whole number from 1 to {MAX_RACE_STEPS}")
    under = race.get("under")
    if under is not None and (isinstance(under, bool) or not isinstance(under, (int, float))):
        problems.append(f"{where}.under must be a number")


def _step(v, k: int, network, problems: list[str]) -> Step | None:
    where = f"step {k + 1}"
    if not isinstance(v, dict):
        problems.append(f"{where} must be an object")
        return None
    for key in sorted(set(v) - set(STEP_KEYS)):
        problems.append(f"{where} has an unknown key {key!r} (known: {', '.join(STEP_KEYS)})")
    text = _text(v.get("text"), f"{where}.text", problems)
    if "network" in v:
        network = _network_ref(v["network"], f"{where}.network", problems)
    elif network is None:
        problems.append(f"{where} has no network (give one here or at the top of the lesson)")
    go, action = None, None
    if isinstance(v.get("go"), dict) and "action" in v["go"]:
        action = v["go"]["action"]
        if action not in TRAINER_ACTIONS or len(v["go"]) != 1:
            problems.append(f"{where}.go: unknown action {action!r} ({', '.join(TRAINER_ACTIONS)})")
    elif "go" in v:
        go = _address(v["go"], f"{where}.go", problems)
    look = v.get("look", [])
    ids: list[str] = []
    if not isinstance(look, list):
        problems.append(f'{where}.look must be a list like ["a[2][0]", "w[2][0][1]"]')
        look = []
    for item in look:
        try:
            ids.extend(look_ids(item))
        except AddressError as e:
            problems.append(f"{where}.look: {e}")
    activity = _activity(v["activity"], f"{where}.activity", problems) if "activity" in v else None
    if activity is not None and activity.type == "predict" and go is None:
        problems.append(f"{where}: a predict activity needs an event to go to (its answer)")
    return Step(text, network, go, action, tuple(look), tuple(ids), activity)


def parse_lesson(obj: Any, folder: Path = Path("."), name: str = "") -> Lesson:
    """A Lesson from a decoded file; LessonError listing every problem otherwise."""
    problems: list[str] = []
    if not isinstance(obj, dict):
        raise LessonError(name, ["a lesson is a JSON object with a title, a goal and steps"])
    for key in sorted(set(obj) - set(TOP_KEYS)):
        problems.append(f"unknown key {key!r} (known: {', '.join(TOP_KEYS)})")
    title = _text(obj.get("title"), "title", problems, 200)
    goal = _text(obj.get("goal"), "goal", problems, 500)
    network = _network_ref(obj["network"], "network", problems) if "network" in obj else None
    raw = obj.get("steps")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STEPS:
        problems.append(f"steps must be a list of 1 to {MAX_STEPS} steps")
        raw = []
    steps = []
    for k, v in enumerate(raw):
        st = _step(v, k, network, problems)
        if st is not None:
            steps.append(st)
            network = st.network
    if problems:
        raise LessonError(name, problems)
    return Lesson(title, goal, tuple(steps), folder, name)


def load_lesson(path: str | Path) -> Lesson:
    """Read and parse a lesson file; LessonError (every problem named) when it cannot be used."""
    p = Path(path)
    try:
        obj = read_json(p, MAX_LESSON_BYTES, "lesson file")
    except UnreadableFile as e:
        raise LessonError("", [str(e)]) from None
    return parse_lesson(obj, p.resolve().parent, p.stem)


__all__ = [
    "ACTIVITIES",
    "TRAINER_ACTIONS",
    "Activity",
    "Lesson",
    "LessonError",
    "Step",
    "load_lesson",
    "parse_lesson",
]
