"""The shipped course and the lesson format: every lesson loads, every step's event exists, every
answer and every number a text quotes is the engine's; the construct check on AND and XOR; bad
lesson files have every problem named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from engine.lessons.check import check_file, check_lesson, quoted_numbers, race_winner
from engine.lessons.construct import construct_check, params_from_layers
from engine.lessons.lesson import LessonError, load_lesson, parse_lesson
from engine.lessons.networks import LESSONS, network_for, place

SHIPPED = sorted(LESSONS.glob("*.json"))
TOPICS = [
    "perceptron", "sigmoid neuron", "2-2-2", "XOR", "Activations", "Losses", "chain rule",
    "GD, SGD and mini-batch", "optimizers", "L1, L2, dropout", "Softmax", "learning rate",
    "Convolution and pooling", "real digit",
]  # fmt: skip


def test_the_course_has_its_14_lessons_in_order():
    assert len(SHIPPED) == 14
    for path, topic in zip(SHIPPED, TOPICS, strict=True):
        assert topic.lower() in load_lesson(path).title.lower(), (path.name, topic)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_lesson_checks_against_the_engine(path):
    lesson = load_lesson(path)
    assert check_lesson(lesson) == []
    assert sum(st.activity is not None for st in lesson.steps) >= 3
    for st in lesson.steps:
        assert len(st.text) <= 600, "a step's text is a few sentences"
        if st.go is not None:  # the event exists and is what the address says
            net = network_for(st.network, lesson.folder)
            pl = place(net, st.go)
            ev = pl.result.events[pl.index]
            assert ev.kind == st.go.kind and ev.step == st.go.step


def test_quoted_numbers_are_found_and_checked(tmp_path):
    assert quoted_numbers("a = 0.5933, −0.038 and .25; w[2][0][1] and 3 and x2") == [
        "0.5933", "−0.038", ".25",
    ]  # fmt: skip
    good = json.loads((LESSONS / "03_worked_example.json").read_text())
    good["steps"][2]["text"] = good["steps"][2]["text"].replace("0.7514", "0.7515")
    (tmp_path / "l.json").write_text(json.dumps(good))
    problems = check_file(tmp_path / "l.json")
    assert problems == ["step 3: the text quotes 0.7515, which is no number of this step"]


def _write(tmp_path, obj) -> Path:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(obj))
    return p


def test_a_bad_lesson_has_every_problem_named(tmp_path):
    lesson = {
        "title": "t",
        "goal": "g",
        "steps": [
            {"text": "no network anywhere", "activity": {"type": "predict"}},
            {"text": "x", "network": "no_such_preset", "go": {"kind": "loss"}},
            {"text": "x", "network": "xor_2_2_1", "go": {"kind": "z", "layer": 5, "sample": 0, "unit": 0}},
            {"text": "x", "activity": {"type": "direction", "question": "q", "choices": ["up", "down"], "of": {"kind": "loss"}}},
            {"text": "x", "activity": {"type": "construct"}},
            {"text": "", "colour": 1, "look": ["q[1]"]},
        ],
    }  # fmt: skip
    with pytest.raises(LessonError) as e:
        load_lesson(_write(tmp_path, lesson))
    text = "\n".join(e.value.problems)
    for words in [
        "step 1 has no network",
        "step 1: a predict activity needs an event to go to",
        "step 4.activity needs its answer",
        "step 5.activity: a construct activity needs its answer",
        "step 6.text must be a non-empty text",
        "step 6 has an unknown key 'colour'",
        "step 6.look: cannot read 'q[1]'",
    ]:
        assert words in text, words
    del lesson["steps"][0]["activity"], lesson["steps"][3:]
    lesson["network"] = "xor_2_2_1"
    problems = check_file(_write(tmp_path, lesson))
    assert any("no preset 'no_such_preset'" in p for p in problems)
    assert any(p.startswith("step 3: no such event") and "layer 5" in p for p in problems)


def test_wrong_answers_and_broken_solutions_are_named(tmp_path):
    lesson = json.loads((LESSONS / "04_xor.json").read_text())
    lesson["steps"][3]["activity"]["answer"] = "down"
    lesson["steps"][4]["activity"]["solution"][1]["bias"] = [10]
    problems = check_file(_write(tmp_path, lesson))
    assert "step 4.activity: the answer is 'down', the engine says 'up'" in problems
    assert any(
        p.startswith("step 5.activity.solution does not work: input (0, 0)") for p in problems
    )


@pytest.mark.parametrize(
    "obj",
    [None, [], "x", {"title": "t"}, {"title": "t", "goal": "g", "steps": []},
     {"title": 3, "goal": "g", "steps": [{}]}, {"title": "t" * 10_000, "goal": "g", "steps": [1]}],
)  # fmt: skip
def test_malformed_lessons_raise_one_error(obj):
    with pytest.raises(LessonError) as e:
        parse_lesson(obj)
    assert e.value.problems and all(isinstance(p, str) for p in e.value.problems)


@pytest.mark.parametrize("content", ["", "{", "[1, 2]", '{"title": NaN}', "x" * 10])
def test_unreadable_lesson_files(tmp_path, content):
    p = tmp_path / "l.json"
    p.write_text(content)
    assert check_file(p)


def test_a_network_beside_the_lesson_must_stay_beside_it(tmp_path):
    lesson = {"title": "t", "goal": "g", "network": "../../etc/passwd.json",
              "steps": [{"text": "x", "go": {"kind": "loss"}, "activity": {"type": "predict"}}]}  # fmt: skip
    problems = check_file(_write(tmp_path, lesson))
    assert problems == ["step 1: '../../etc/passwd.json' is not beside the lesson"]


def test_construct_check_on_and():
    net = network_for("perceptron_and", LESSONS)
    v = construct_check(net, net.initial_state().params)
    # w = (0.5, −0.25), b = −0.25, exact in binary: (1, 1) gives z = 0 and step(0) = 1
    assert not v.right and v.wrong == ("input (1, 0): the output is 1, the target is 0",)
    good = params_from_layers(net, [{"weights": [[1, 1]], "bias": [-1.5]}])
    assert construct_check(net, good).right
    half = params_from_layers(net, [{"weights": [[1, 1]], "bias": [-0.5]}])  # OR, not AND
    assert len(construct_check(net, half).wrong) == 2


def test_construct_check_on_xor_checks_every_input():
    net = network_for("xor_2_2_1", LESSONS)
    sol = [
        {"weights": [[20, 20], [20, 20]], "bias": [-10, -30]},
        {"weights": [[20, -20]], "bias": [-10]},
    ]
    assert construct_check(net, params_from_layers(net, sol)).right
    sol[1]["weights"] = [[20, 20]]  # the output now computes OR of OR and AND: (1, 1) is wrong
    v = construct_check(net, params_from_layers(net, sol))
    assert [w.split(":")[0] for w in v.wrong] == ["input (1, 1)"]
    assert v.wrong[0] == "input (1, 1): the output is 1, the target is 0"  # σ(30) as shown
    mid = construct_check(
        net, params_from_layers(net, [sol[0], {"weights": [[0.5, 0]], "bias": [0]}])
    )
    assert "input (0, 0): the output is 0.5, read as 1, the target is 0" in mid.wrong
    # independent: the forward pass by hand
    X = net.data.inputs
    h = 1 / (1 + np.exp(-(X @ np.array([[20, 20], [20, 20]]).T + [-10, -30])))
    out = 1 / (1 + np.exp(-(h @ np.array([[20, 20]]).T - 10)))
    assert ((out[:, 0] >= 0.5) != (net.data.targets[:, 0] >= 0.5)).sum() == 1


@pytest.mark.parametrize(
    "layers",
    [[], [{"weights": [[1, 1]]}], [{"weights": [[1]], "bias": [0]}],
     [{"weights": [[1, "x"]], "bias": [0]}], [{"weights": [[1, float("nan")]], "bias": [0]}]],
)  # fmt: skip
def test_construct_solutions_of_the_wrong_shape(layers):
    net = network_for("perceptron_and", LESSONS)
    with pytest.raises(ValueError):
        params_from_layers(net, layers)


def test_race_winner_is_the_one_that_learns():
    race = {"steps": 50, "networks": {
        "still": {"preset": "xor_2_2_1", "set": {"optimizer": {"name": "sgd", "lr": 1e-6}}},
        "moving": "xor_2_2_1"}}  # fmt: skip
    assert race_winner(race, LESSONS) == "moving"
    race["under"] = 0.0  # nobody gets under 0: the lowest loss after 50 steps wins
    assert race_winner(race, LESSONS) == "moving"


def test_lesson_check_command(tmp_path, capsys):
    assert main(["lesson", "check", str(SHIPPED[0])]) == 0
    assert capsys.readouterr().out.strip().endswith("all right")
    bad = _write(tmp_path, {"title": "t", "goal": "g", "steps": [{"text": "x"}]})
    assert main(["lesson", "check", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{bad}: step 1 has no network (give one here or at the top of the lesson)"]
    assert main(["lesson", "check", str(tmp_path / "missing.json")]) == 2
    assert re.search(r"missing\.json", capsys.readouterr().err)


def test_the_readme_example_lesson_checks(tmp_path):
    text = (LESSONS.parents[1] / "README.md").read_text()
    block = text.split("### Writing a lesson", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    p = tmp_path / "example.json"
    p.write_text(block)
    assert check_file(p) == []
    assert len(load_lesson(p).steps) == 2


def test_lesson_run_refuses_a_bad_file_before_opening_any_window(tmp_path, capsys):
    bad = _write(tmp_path, {"title": "t"})
    assert main(["lesson", "run", str(bad)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_network_the_window_would_not_open_is_named(tmp_path):
    """A network whose first loss is infinite passed the check (only a later step's answer was
    faulted); the window refuses to open it, so the check names it."""
    net = {"layers": [{"units": 2}, {"units": 1, "weights": [[1e308, 1e308]], "bias": [0]}],
           "data": {"inputs": [[10, 10]], "targets": [[1]]}}  # fmt: skip
    (tmp_path / "ovf.json").write_text(json.dumps(net))
    lesson = {"title": "t", "goal": "g", "network": "ovf.json",
              "steps": [{"text": "x", "go": {"kind": "loss"}, "activity": {"type": "predict"}}]}  # fmt: skip
    problems = check_file(_write(tmp_path, lesson))
    assert problems and problems[0].startswith("step 1: network ovf.json: its first training step")
    assert "would not open it" in problems[0]
