"""A batchnorm layer in a network file: defaults, round trip, and every bad field named."""

import copy
import json
import math

import numpy as np
import pytest

from engine.numpy_engine import Network, parse_network
from engine.numpy_engine.fields import NetworkFileError
from engine.numpy_engine.spec import spec_to_dict

DENSE = {
    "layers": [{"units": 2}, {"units": 3}, {"type": "batchnorm"}, {"units": 1}],
    "data": {"inputs": [[0, 1], [1, 0]], "targets": [[0], [1]]},
}
CONV = {
    "layers": [
        {"shape": [1, 4, 4]},
        {"type": "conv", "filters": 2, "kernel": 3},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "flatten"},
        {"units": 2, "activation": "softmax"},
    ],
    "loss": "cce",
}


def _with(bn: dict, base=DENSE, at=2):
    obj = copy.deepcopy(base)
    obj["layers"][at] = {"type": "batchnorm", **bn}
    return obj


def test_defaults_gamma_1_beta_0_mean_0_var_1():
    net = Network(parse_network(copy.deepcopy(DENSE)))
    st = net.initial_state()
    assert st.params[1][0].tolist() == [1.0] * 3 and st.params[1][1].tolist() == [0.0] * 3
    assert st.stats[1].mean.tolist() == [0.0] * 3 and st.stats[1].var.tolist() == [1.0] * 3
    o = net.model.layer(1).options
    assert (o.eps, o.momentum, o.train) == (1e-5, 0.1, True)


def test_per_channel_after_a_conv_layer():
    spec = parse_network(copy.deepcopy(CONV))
    assert spec.layers[2].shape == (2, 2, 2)
    net = Network(spec)
    assert net.initial_state().params[1][0].shape == (2,)


def test_round_trip_keeps_every_field():
    bn = {"activation": "relu", "momentum": 0.3, "eps": 1e-3, "gamma": [1, 2, 3],
          "beta": [0, 0.5, -1], "running_mean": [0.1, 0.2, 0.3], "running_var": [1, 2, 0],
          "mode": "eval", "frozen": ["gamma"]}  # fmt: skip
    spec = parse_network(_with(bn))
    again = parse_network(json.loads(json.dumps(spec_to_dict(spec))))
    assert again.layers[2] == spec.layers[2]
    assert spec_to_dict(spec)["layers"][2]["frozen"] == ["gamma"]


@pytest.mark.parametrize(
    ("bn", "field", "words"),
    [
        ({"gamma": [1, 2]}, "layers[2].gamma", "3 numbers"),
        ({"beta": [1, 2, 3, 4]}, "layers[2].beta", "3 numbers"),
        ({"gamma": [1, math.nan, 1]}, "layers[2].gamma[1]", "number"),
        ({"running_mean": [1, math.inf, 1]}, "layers[2].running_mean[1]", "finite"),
        ({"running_var": [1, -0.5, 1]}, "layers[2].running_var[1]", "negative"),
        ({"running_var": "big"}, "layers[2].running_var", "3 numbers"),
        ({"eps": 0}, "layers[2].eps", "above 0"),
        ({"eps": -1e-5}, "layers[2].eps", "above 0"),
        ({"eps": True}, "layers[2].eps", "number"),
        ({"momentum": 1.5}, "layers[2].momentum", "at most 1"),
        ({"momentum": -0.1}, "layers[2].momentum", "at least 0"),
        ({"activation": "softmax"}, "layers[2].activation", "softmax"),
        ({"activation": "swish"}, "layers[2].activation", ""),
        ({"mode": "test"}, "layers[2].mode", ""),
        ({"frozen": ["weights"]}, "layers[2].frozen", "gamma, beta"),
        ({"units": 3}, "layers[2].units", ""),
    ],
)
def test_bad_fields_are_named(bn, field, words):
    with pytest.raises(NetworkFileError) as err:
        parse_network(_with(bn))
    assert err.value.field == field and words in str(err.value)


@pytest.mark.parametrize(
    ("layers", "words"),
    [
        ([{"units": 2}, {"type": "batchnorm"}, {"units": 1}], "not the input"),
        ([{"units": 2}, {"units": 2}, {"type": "batchnorm"}, {"type": "batchnorm"}, {"units": 1}],
         "not a batchnorm layer"),
        ([{"units": 2}, {"units": 2}, {"type": "batchnorm"}], "output layer must be dense"),
        ([{"shape": [1, 4, 4]}, {"type": "conv", "filters": 1, "kernel": 2}, {"type": "flatten"},
          {"type": "batchnorm"}, {"units": 1}], "not a flatten layer"),
    ],
)  # fmt: skip
def test_batchnorm_only_after_a_dense_conv_or_pooling_layer(layers, words):
    with pytest.raises(NetworkFileError) as err:
        parse_network({"layers": layers})
    assert words in str(err.value)


def test_the_command_line_says_one_line_and_exits_2(tmp_path, capsys):
    from app.cli import main

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_with({"running_var": [1, -1, 1]})))
    assert main(["trace", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "layers[2].running_var[1]" in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("flavour", ["--numpy", "--torch"])
def test_export_code_writes_a_batch_norm_and_refuses_a_type_its_scripts_lack(
    tmp_path, capsys, monkeypatch, flavour
):
    """The scripts write batch norms (their numbers: test_export_code.py); a layer type marked
    IN_SCRIPTS = False is still refused in one line, exit 2, nothing written."""
    from app.cli import main
    from engine.numpy_engine import batchnorm

    out = tmp_path / "s.py"
    assert main(["export-code", flavour, "-o", str(out), "assets/presets/batchnorm_relu.json"]) == 0
    assert "BatchNorm" in out.read_text()
    out.unlink()
    capsys.readouterr()
    monkeypatch.setattr(batchnorm, "IN_SCRIPTS", False)
    assert main(["export-code", flavour, "-o", str(out), "assets/presets/batchnorm_relu.json"]) == 2
    err = capsys.readouterr().err.strip()
    assert "batchnorm layers" in err and "\n" not in err and not out.exists()


@pytest.mark.parametrize(
    ("rows", "batch", "mode", "refused"),
    [
        (2, 1, "train", True),  # single samples
        (3, 2, "train", True),  # each epoch's last batch holds one sample
        (4, 2, "train", False),
        (2, 1, "eval", False),  # the running statistics: one sample is fine
    ],
)
def test_a_batch_of_one_is_refused_in_training_mode_after_a_dense_layer(rows, batch, mode, refused):
    obj = _with({"mode": mode})
    obj["data"] = {"inputs": [[0, 1]] * rows, "targets": [[0]] * rows}
    obj["training"] = {"batch_size": batch}
    if not refused:
        Network(parse_network(obj)).initial_state()
        return
    with pytest.raises(NetworkFileError) as err:
        Network(parse_network(obj))
    assert err.value.field == "training.batch_size" and "2 or more samples" in str(err.value)


def test_a_conv_batch_norm_takes_one_sample_its_cells_are_the_batch():
    obj = copy.deepcopy(CONV)
    obj["data"] = {"inputs": [[0.1 * i for i in range(16)]], "targets": [[1, 0]]}
    net = Network(parse_network(obj))
    r = net.step(net.initial_state())
    assert np.isfinite(r.loss)
