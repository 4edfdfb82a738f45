"""A network file's "race": what the Landscape panel's fields start from, as the preset's
description tells it. Each preset's race is the command its description gives; a bad race is
one sentence naming its field."""

import json
import shlex
from pathlib import Path

import pytest

from engine.numpy_engine.fields import NetworkFileError
from engine.numpy_engine.spec import load_network_file, parse_network, spec_to_dict
from engine.numpy_engine.spec_race import RaceSpec

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
RACED = ("ravine_unnormalised", "ravine_standardised", "saddle_linear", "lr_too_large")


def described_command(description: str) -> dict:
    """The flags of the `backprop-studio landscape FILE ...` command a description gives."""
    tail = description.split("backprop-studio landscape ", 1)[1]
    words = shlex.split(tail.split(" — ")[0].rstrip("."))
    flags = dict(zip(words[1::2], words[2::2], strict=True))
    return {k.rstrip("."): v.rstrip(".") for k, v in flags.items()}


@pytest.mark.parametrize("name", RACED)
def test_each_presets_race_is_the_command_its_description_gives(name):
    spec = load_network_file(PRESETS / f"{name}.json")
    flags = described_command(spec.description)
    names, lrs, steps, plane = spec.race.fields()
    own = f"{spec.optimizer.name}"  # the command line's default: the file's own optimizer
    assert names == flags.get("--optimizers", own)
    assert lrs == flags.get("--lrs", f"{spec.optimizer.lr:g}")
    assert (steps, plane) == (int(flags["--steps"]), flags["--plane"])
    assert "Landscape panel" in spec.description


def test_presets_without_a_race_name_no_landscape_command():
    for p in sorted(PRESETS.glob("*.json")):
        spec = load_network_file(p)
        assert (spec.race is not None) == ("backprop-studio landscape" in spec.description), p


def test_a_race_round_trips_through_the_file():
    spec = load_network_file(PRESETS / "ravine_unnormalised.json")
    again = parse_network(json.loads(json.dumps(spec_to_dict(spec))))
    assert (
        again.race
        == spec.race
        == RaceSpec(
            ("sgd", "momentum", "rmsprop", "adam"),
            (0.1, 0.002, 0.02, 0.05),
            40,
            "weights:1.0.0,1.0.1",
        )
    )
    no_lrs = parse_network({**spec_to_dict(spec), "race": {"optimizers": ["adam"]}})
    assert no_lrs.race == RaceSpec(("adam",), None, 40, "path")
    assert no_lrs.race.fields() == ("adam", "", 40, "path")
    assert "race" not in spec_to_dict(load_network_file(PRESETS / "xor_2_2_1.json"))


BAD = [
    ([], "race", "expected a JSON object"),
    ({"optimizers": ["sgd"], "speed": 1}, "race.speed", "unknown key"),
    ({}, "race.optimizers", "list of 1 to 8"),
    ({"optimizers": []}, "race.optimizers", "list of 1 to 8"),
    ({"optimizers": "sgd,adam"}, "race.optimizers", "list of 1 to 8"),
    ({"optimizers": ["sgd"] * 9}, "race.optimizers", "list of 1 to 8"),
    ({"optimizers": ["sgd", "sgd"]}, "race.optimizers", "once"),
    ({"optimizers": ["lbfgs"]}, "race.optimizers[0]", "unknown name"),
    ({"optimizers": [3]}, "race.optimizers[0]", "unknown name"),
    ({"optimizers": ["sgd"], "lrs": [0.1, 0.2]}, "race.lrs", "1 learning rates"),
    ({"optimizers": ["sgd"], "lrs": 0.1}, "race.lrs", "1 learning rates"),
    ({"optimizers": ["sgd"], "lrs": [0]}, "race.lrs[0]", "above 0"),
    ({"optimizers": ["sgd"], "lrs": [-1]}, "race.lrs[0]", "above 0"),
    ({"optimizers": ["sgd"], "lrs": [1e9]}, "race.lrs[0]", "at most 1000"),
    ({"optimizers": ["sgd"], "lrs": [float("inf")]}, "race.lrs[0]", "finite"),
    ({"optimizers": ["sgd"], "lrs": [float("nan")]}, "race.lrs[0]", "finite"),
    ({"optimizers": ["sgd"], "lrs": [True]}, "race.lrs[0]", "expected a number"),
    ({"optimizers": ["sgd"], "lrs": ["0.1"]}, "race.lrs[0]", "expected a number"),
    ({"optimizers": ["sgd"], "steps": 0}, "race.steps", "at least 1"),
    ({"optimizers": ["sgd"], "steps": 2001}, "race.steps", "at most 2,000"),
    ({"optimizers": ["sgd"], "steps": 10**400}, "race.steps", "at most 2,000"),
    ({"optimizers": ["sgd"], "steps": 2.5}, "race.steps", "whole number"),
    ({"optimizers": ["sgd"], "steps": True}, "race.steps", "whole number"),
    ({"optimizers": ["sgd"], "plane": 5}, "race.plane", "expected text"),
    ({"optimizers": ["sgd"], "plane": ""}, "race.plane", "path, random or weights"),
    ({"optimizers": ["sgd"], "plane": "pca"}, "race.plane", "path, random or weights"),
    ({"optimizers": ["sgd"], "plane": "weights:1.0.0"}, "race.plane", "path, random"),
    ({"optimizers": ["sgd"], "plane": "weights:1.0.0,1.0.1,1.0.0"}, "race.plane", "path, rand"),
    ({"optimizers": ["sgd"], "plane": "weights:a.b.c,1.0.1"}, "race.plane", "path, random"),
    ({"optimizers": ["sgd"], "plane": "weights:" + "9" * 5000}, "race.plane", "path, random"),
    ({"optimizers": ["sgd"], "plane": "weights:1.0.1,1.0.1"}, "race.plane", "same weight twice"),
]


@pytest.mark.parametrize("race, field, words", BAD)
def test_a_bad_race_is_one_sentence_naming_its_field(race, field, words):
    obj = json.loads((PRESETS / "xor_2_2_1.json").read_text())  # 2-2-1: layers 1 and 2
    with pytest.raises(NetworkFileError) as e:
        parse_network({**obj, "race": race})
    assert e.value.field == field and words in e.value.message, str(e.value)
    assert len(str(e.value)) < 200 and "\n" not in str(e.value)


def test_a_plane_beyond_the_layers_is_said_when_the_race_runs():
    """The editor keeps a file's race while it removes a layer: the file stays usable, and
    Race says which weight is missing, in one sentence."""
    from engine.numpy_engine import Network
    from engine.numpy_engine.landscape import LandscapeError
    from engine.numpy_engine.landscape_race import landscape, parse_racers

    obj = json.loads((PRESETS / "saddle_linear.json").read_text())
    obj["layers"] = obj["layers"][:1] + obj["layers"][2:]  # the hidden layer removed
    net = Network(parse_network(obj))
    assert net.spec.race.plane == "weights:1.0.0,2.0.0"
    names, lrs, steps, plane = net.spec.race.fields()
    with pytest.raises(LandscapeError, match="layer 2 is not between 1 and 1"):
        landscape(net, parse_racers(names, lrs, net), steps, plane, side=5)


def test_a_learning_rate_reaches_the_fields_whole():
    race = RaceSpec(("sgd", "adam"), (0.0012345678, 0.002), 10, "path")
    assert race.fields()[1] == "0.0012345678,0.002"
    assert [float(v) for v in race.fields()[1].split(",")] == list(race.lrs)


@pytest.mark.parametrize("name", RACED)
def test_the_map_axes_a_description_names_are_its_races_plane(name):
    """The text says w1 and w2; the map's axes say Δw[1][0][0]...: a description that names them
    names the axes of its own race's plane."""
    import re

    from engine.numpy_engine import Network
    from engine.numpy_engine.landscape import weights_plane

    net = Network.from_file(PRESETS / f"{name}.json")
    plane = weights_plane(net.model, net.initial_state().params, net.spec.race.plane[8:])
    named = set(re.findall(r"Δw(?:\[\d+\])+", net.spec.description))
    assert named <= set(plane.axes)
    assert named or name == "saddle_linear"  # its w1 and w2 are the map's own names
