"""A refused network file keeps its field structured (NetworkFileError.layer and .key), from the
engine to the editor's red text: nobody parses the message back."""

import copy
import json
from pathlib import Path

import pytest

from engine.numpy_engine import parse_network
from engine.numpy_engine.fields import Field, NetworkFileError, at, layer_field

ROOT = Path(__file__).parents[2]
BASE = json.loads((ROOT / "assets" / "presets" / "design_example.json").read_text())


def refuse(change) -> NetworkFileError:
    d = copy.deepcopy(BASE)
    change(d)
    with pytest.raises(NetworkFileError) as info:
        parse_network(d)
    return info.value


def _set(path, value):
    def change(d):
        obj = d
        for p in path[:-1]:
            obj = obj[p]
        obj[path[-1]] = value

    return change


@pytest.mark.parametrize(
    "change, field, layer, key",
    [
        (_set(("layers", 1, "activation"), "nope"), "layers[1].activation", 1, "activation"),
        (_set(("layers", 1, "units"), 0), "layers[1].units", 1, "units"),
        (_set(("layers", 1, "weights"), [[0.1, "x"]] * 3), "layers[1].weights[0][1]", 1, "weights"),
        (_set(("layers", 1, "bias"), [0.0, float("nan"), 1.0]), "layers[1].bias[1]", 1, "bias"),
        (_set(("layers", 2, "colour"), 1), "layers[2].colour", 2, "colour"),
        (_set(("optimizer", "lr"), -1), "optimizer.lr", None, "optimizer.lr"),
        (_set(("loss",), "hinge"), "loss", None, "loss"),
    ],
)
def test_the_field_comes_structured(change, field, layer, key):
    e = refuse(change)
    assert (e.field, e.layer, e.key) == (field, layer, key)
    assert str(e).startswith(f"{field}: ") and e.message in str(e)


def test_a_dense_layer_after_an_image_names_the_whole_layer():
    d = {"layers": [{"shape": [1, 4, 4]}, {"units": 2}], "data": {"inputs": [], "targets": []}}
    with pytest.raises(NetworkFileError) as info:
        parse_network(d)
    assert (info.value.field, info.value.layer, info.value.key) == ("layers[1]", 1, "")


def test_fields_are_built_not_parsed():
    w = at(at(layer_field(3), ".weights"), "[2][0]")
    assert (str(w), w.layer, w.key) == ("layers[3].weights[2][0]", 3, "weights")
    top = at("optimizer", ".lr")  # outside the layers: the name itself
    assert type(top) is str and NetworkFileError(top, "bad").key == "optimizer.lr"
    assert NetworkFileError(Field("x"), "bad").layer is None
    assert NetworkFileError("", "no field").key == ""
