"""`quiz` driven through stdin and `lesson check`, as the issue's command-line contract says."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from engine.lessons.grade import parse_answer

ROOT = Path(__file__).resolve().parents[2]
PRESET = ROOT / "assets" / "presets" / "xor_2_2_1.json"
Q = re.compile(r"^Q(\d+) \[event (\d+), (forward|loss|backward|update)\] (.+) = \?$")


def _events(steps: int) -> list[dict]:
    out = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, out
    try:
        main(["trace", str(PRESET), "--steps", str(steps), "--events", "all", "--json"])
    finally:
        sys.stdout = sys_stdout
    return json.loads(out.getvalue())["events"]


def _quiz(monkeypatch, capsys, answers, *flags):
    """Run the quiz answering each question with answers(event dict) (None: the input ends)."""
    capsys.readouterr()  # what came before
    events = _events(int(dict(zip(flags[::2], flags[1::2], strict=True)).get("--steps", 1)))

    class In:
        def __init__(self):
            self.out = []

        def readline(self):
            printed = capsys.readouterr().out
            self.out.append(printed)
            m = [Q.match(x) for x in printed.splitlines() if Q.match(x)]
            reply = answers(events[int(m[-1].group(2))], m[-1]) if m else None
            return "" if reply is None else reply + "\n"

    stdin = In()
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["quiz", str(PRESET), *flags]) == 0
    return "".join(stdin.out) + capsys.readouterr().out, events


def test_all_right_scores_k_of_k(monkeypatch, capsys):
    out, events = _quiz(monkeypatch, capsys, lambda e, m: repr(e["value"]), "--count", "8",
                        "--seed", "3", "--steps", "2")  # fmt: skip
    qs = [Q.match(x) for x in out.splitlines() if x.startswith("Q")]
    assert len(qs) == 8 and all(qs)
    assert {m.group(3) for m in qs} == {"forward", "loss", "backward", "update"}
    for m in qs:  # the index is the event's index in `trace --events all --json`
        e = events[int(m.group(2))]
        assert e["phase"] == m.group(3) and e["symbol"] in m.group(4)
    replies = [x for x in out.splitlines() if x.startswith(("right", "not quite"))]
    assert len(replies) == 8 and all(x.startswith("right") for x in replies)
    assert out.rstrip().splitlines()[-1] == "score: 8 of 8"


def test_all_wrong_scores_zero_and_every_reveal_holds_the_value(monkeypatch, capsys):
    asked = []

    def wrong(e, m):
        asked.append(e)
        return repr(e["value"] * 3 + 7)

    out, _ = _quiz(monkeypatch, capsys, wrong, "--count", "10", "--seed", "5")
    replies = [x for x in out.splitlines() if x.startswith(("right", "not quite"))]
    assert len(replies) == 10 and all(x.startswith("not quite") for x in replies)
    for e, reply in zip(asked, replies, strict=True):
        shown = reply.split(" = ", 1)[1].split()[0]
        assert parse_answer(shown) == pytest.approx(e["value"], rel=1e-3, abs=1e-4)
        assert e["symbol"] in reply
    assert out.rstrip().splitlines()[-1] == "score: 0 of 10"


def test_the_same_seed_asks_the_same_questions(monkeypatch, capsys):
    def questions(seed):
        out, _ = _quiz(monkeypatch, capsys, lambda e, m: "0", "--count", "6", "--seed", seed)
        return [x for x in out.splitlines() if x.startswith("Q")]

    assert questions("11") == questions("11")
    assert questions("11") != questions("12")


def test_end_of_input_stops_early_and_a_bad_answer_is_asked_again_once(monkeypatch, capsys):
    seen = []

    def answers(e, m):
        seen.append(m.group(1))
        k = len(seen)
        return {1: "abc", 2: "still not", 3: repr(e["value"]), 4: None}[k]

    out, _ = _quiz(monkeypatch, capsys, answers, "--count", "5", "--seed", "1")
    assert seen == ["1", "1", "2", "3"]  # Q1 asked twice, counted wrong; Q2 right; EOF at Q3
    assert out.rstrip().splitlines()[-1] == "score: 1 of 2"


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--count", "0"], "--count must be between 1 and 100"),
        (["--count", "x"], "invalid int value"),
        (["--count", "101"], "--count must be between"),
        (["--steps", "0"], "--steps must be between"),
        (["--steps", "100000"], "--steps must be between"),
        (["--seed", "-1"], "--seed must be"),
        (["--seed", "1.5"], "invalid int value"),
        (["--nope"], "unrecognized arguments"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(flags, words):
    r = subprocess.run(
        [sys.executable, "-m", "app", "quiz", str(PRESET), *flags],
        capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr


@pytest.mark.parametrize("content", ["", "[]", '{"layers": 3}', '{"layers": [{"units": 2}]}'])
def test_bad_network_files_for_quiz(tmp_path, capsys, content):
    f = tmp_path / "n.json"
    f.write_text(content)
    assert main(["quiz", str(f)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1


def test_missing_network_file(tmp_path, capsys):
    assert main(["quiz", str(tmp_path / "none.json")]) == 2
    assert "backprop-studio: error" in capsys.readouterr().err


def test_quiz_on_an_image_network(monkeypatch, capsys):
    global PRESET
    old, PRESET = PRESET, ROOT / "assets" / "presets" / "cnn_maxpool_4x4.json"
    try:
        out, events = _quiz(monkeypatch, capsys, lambda e, m: repr(e["value"]), "--count", "6",
                            "--seed", "2")  # fmt: skip
    finally:
        PRESET = old
    assert out.rstrip().splitlines()[-1] == "score: 6 of 6"
    assert any("max(" in x for x in out.splitlines() if x.startswith("Q"))
