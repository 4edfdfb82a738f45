"""Hostile input to the NumPy engine and the `trace` command: every case is refused with exactly
one line on stderr and exit code 2 (1 for a diverging run), never a traceback, a hang or a
silent acceptance. One parametrised test per category: network files, paths, trace flags, CSV."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from engine.numpy_engine import CsvError, Network, load_csv, parse_network
from engine.numpy_engine.gradcheck import gradient_check, run_gradient_check
from engine.numpy_engine.limits import LIMITS, MAX_UNITS, describe_limits
from engine.safe_io import MAX_JSON_DEPTH, UnreadableFile, json_depth, read_text

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
XOR = json.loads((PRESETS / "xor_2_2_1.json").read_text())


def run_cli(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's errors, made one line by the trace command
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code, err, expected_code=2, fragment=""):
    lines = err.strip().splitlines()
    assert code == expected_code, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert fragment.lower() in err.lower(), err


def xor(**changes):
    d = json.loads(json.dumps(XOR))
    for path, value in changes.items():
        target = d
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(d)


INLINE = {"inputs": [[0, 0], [1, 1]], "targets": [[1], [0]]}

NETWORK_FILES = {
    "empty": ("", "not valid JSON"),
    "whitespace": ("   \n\t ", "not valid JSON"),
    "null": ("null", "the file must be a JSON object ({…}), not null"),
    "a list": ("[]", "the file must be a JSON object ({…}), not a list"),
    "a number": ("42", "the file must be a JSON object ({…}), not a number"),
    "text": ('"layers"', "the file must be a JSON object ({…}), not text"),
    "truncated": ('{"layers": [', "not valid JSON"),
    "not utf-8": (b'\xff\xfe{"layers": []}', "not UTF-8"),
    "100k nested brackets": ("[" * 100_000 + "]" * 100_000, "nested"),
    "deep objects": ('{"a":' * 5000 + "1" + "}" * 5000, "nested"),
    "400-digit integer": ('{"layers": [{"units": 1' + "0" * 400 + "}]}", "digits"),
    "5000-digit integer": ('{"layers": [{"units": 1' + "0" * 5000 + "}]}", "digits"),
    "NaN": ('{"layers": [{"units": NaN}]}', "NaN"),
    "Infinity": (xor(optimizer={"name": "sgd", "lr": 1}).replace("1}", "Infinity}"), "Infinity"),
    "-Infinity": ('{"layers": [], "loss": -Infinity}', "Infinity"),
    "1e400": (xor(optimizer={"name": "sgd", "lr": 1}).replace('"lr": 1', '"lr": 1e400'), "finite"),
    "duplicate key": ('{"loss": "mse", "loss": "bce"}', "twice"),
    "units 10^9": (xor(layers__1__units=10**9), "at most"),
    "units negative": (xor(layers__1__units=-3), "at least 1"),
    "units zero": (xor(layers__1__units=0), "at least 1"),
    "units 2.0": (xor(layers__1__units=2.0), "whole number"),
    "units text": (xor(layers__1__units="2"), "whole number"),
    "units true": (xor(layers__1__units=True), "whole number"),
    "too many layers": (xor(layers=[{"units": 2}] + [{"units": 2}] * 40), "limit"),
    "too many parameters": (
        xor(layers=[{"units": 2}, {"units": 2000}, {"units": 2000}, {"units": 1}]),
        "parameters",
    ),
    "activation a list": (xor(layers__1__activation=["relu"]), "layers[1].activation"),
    "activation unknown": (xor(layers__1__activation="swish"), "choose one of"),
    "weights ragged": (xor(layers__1__weights=[[1, 2], [3]]), "layers[1].weights[1]"),
    "weights null": (xor(layers__1__weights=[[1, None], [3, 4]]), "expected a number"),
    "weights text": (xor(layers__1__weights=[[1, "2"], [3, 4]]), "expected a number"),
    "weights bool": (xor(layers__1__weights=[[1, True], [3, 4]]), "expected a number"),
    "bias too short": (xor(layers__1__bias=[0.1]), "layers[1].bias"),
    "frozen twice": (xor(layers__1__frozen=["weights", "weights"]), "distinct"),
    "frozen unknown": (xor(layers__1__frozen=["gamma"]), "frozen"),
    "dropout 1": (xor(layers__1__dropout=1.0), "below 1"),
    "dropout on output": (xor(layers__2__dropout=0.5), "output layer"),
    "shuffle 'no'": (xor(training={"shuffle": "no"}), "true or false"),
    "shuffle 0": (xor(training={"shuffle": 0}), "true or false"),
    "batch 0": (xor(training={"batch_size": 0}), "at least 1"),
    "batch 1.5": (xor(training={"batch_size": 1.5}), "whole number"),
    "batch true": (xor(training={"batch_size": True}), "whole number"),
    "seed negative": (xor(init={"seed": -1}), "init.seed"),
    "seed 1.5": (xor(init={"seed": 1.5}), "init.seed"),
    "beta1 for sgd": (xor(optimizer={"name": "sgd", "lr": 0.1, "beta1": 0.9}), "optimizer.beta1"),
    "momentum for adam": (xor(optimizer={"name": "adam", "momentum": 0.9}), "adam does not use"),
    "unknown optimizer key": (xor(optimizer={"name": "sgd", "nesterov": True}), "unknown key"),
    "optimizer a number": (xor(optimizer=5), "optimizer"),
    "lr 0": (xor(optimizer={"name": "sgd", "lr": 0}), "above 0"),
    "lr negative": (xor(optimizer={"name": "sgd", "lr": -1}), "above 0"),
    "lr 1e7": (xor(optimizer={"name": "sgd", "lr": 1e7}), "at most"),
    "beta2 1": (xor(optimizer={"name": "adam", "beta2": 1.0}), "below 1"),
    "eps 0": (xor(optimizer={"name": "adam", "eps": 0}), "above 0"),
    "l2 negative": (xor(regularization={"l2": -0.1}), "at least 0"),
    "unknown top key": (xor(layérs=[]), "unknown key"),
    "name a number": (xor(name=123), "expected text"),
    "description 20k chars": (xor(description="é" * 20_000), "characters"),
    "no data": (json.dumps({k: v for k, v in XOR.items() if k != "data"}), "no 'data'"),
    "data inputs and dataset": (xor(data={"dataset": "xor", "inputs": [[0, 0]]}), "exactly one"),
    "data inputs empty": (xor(data={"inputs": [], "targets": []}), "non-empty"),
    "data inputs ragged": (xor(data={"inputs": [[0, 0], [1]], "targets": [1, 0]}), "inputs[1]"),
    "data n 0": (xor(data={"dataset": "circle", "n": 0}), "data.n"),
    "data n 10^7": (xor(data={"dataset": "circle", "n": 10**7}), "data.n"),
    "data noise negative": (xor(data={"dataset": "circle", "noise": -1}), "data.noise"),
    "data unknown dataset": (xor(data={"dataset": "mnist3d"}), "data.dataset"),
    "data targets for a dataset": (xor(data={"dataset": "xor", "targets": [1]}), "not used"),
    "data csv missing": (xor(data={"csv": "missing.csv"}), "no such file"),
    "data csv empty path": (xor(data={"csv": " "}), "file path"),
    "bce target 5": (xor(loss="bce", data={**INLINE, "targets": [[5], [0]]}), "between 0 and 1"),
    "bce target -1": (xor(loss="bce", data={**INLINE, "targets": [[-1], [0]]}), "bce"),
    "cce one output": (xor(loss="cce"), "at least 2 output"),
    "cce not one-hot": (
        xor(
            loss="cce",
            layers__2={"units": 2, "activation": "softmax"},
            data={"inputs": [[0, 0], [1, 1]], "targets": [[0.5, 0.5], [1, 0]]},
        ),
        "one-hot",
    ),
    "cce two ones": (
        xor(
            loss="cce",
            layers__2={"units": 2, "activation": "softmax"},
            data={"inputs": [[0, 0], [1, 1]], "targets": [[1, 1], [1, 0]]},
        ),
        "one-hot",
    ),
    "data wider than input": (xor(data={"inputs": [[0, 0, 0]], "targets": [[1]]}), "input layer"),
    "first step not finite": (
        xor(
            layers__1__weights=[[1e308, 1e308], [1e308, 1e308]],
            loss="mse",
            layers__2__activation="linear",
            layers__1__activation="linear",
            layers__2__weights=[[1e308, 1e308]],
        ),
        "diverged at step 1",
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", list(NETWORK_FILES))
def test_hostile_network_files(case, tmp_path, capsys):
    content, fragment = NETWORK_FILES[case]
    p = tmp_path / "net.json"
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code, out, err = run_cli(capsys, ["trace", str(p)])
    expected = 1 if "diverged" in fragment else 2
    assert_one_line(code, err, expected, fragment)
    assert out == ""


def _fifo(tmp_path):
    p = tmp_path / "pipe.json"
    os.mkfifo(p)
    return p


def _symlink_loop(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _huge(tmp_path):
    p = tmp_path / "huge.json"
    with open(p, "wb") as f:
        f.truncate(40 * 2**20)  # sparse: 40 MB reported, nothing written
    return p


PATHS = {
    "a folder": (lambda t: t, "folder"),
    "a FIFO": (_fifo, "FIFO"),
    "/dev/zero": (lambda t: Path("/dev/zero"), "device"),
    "a symlink loop": (_symlink_loop, "symbolic links"),
    "missing": (lambda t: t / "nope.json", "no such file"),
    "over the size limit": (_huge, "the limit is"),
    "a CSV that is a FIFO": (lambda t: _net_with_csv(t, _fifo(t)), "FIFO"),
    "a CSV that is a folder": (lambda t: _net_with_csv(t, t), "folder"),
}


def _net_with_csv(tmp_path, csv_path):
    p = tmp_path / "net_csv.json"
    p.write_text(xor(data={"csv": str(csv_path)}))
    return p


@pytest.mark.parametrize("case", list(PATHS))
def test_hostile_paths_are_never_read(case, tmp_path, capsys):
    make, fragment = PATHS[case]  # a FIFO or /dev/zero read would block or stream: the
    code, out, err = run_cli(capsys, ["trace", str(make(tmp_path))])  # faulthandler's 120 s end it
    assert_one_line(code, err, 2, fragment)


BIG = {"layers": [{"units": 2}, {"units": 500}, {"units": 500}, {"units": 1}], "data": INLINE}
BIG_DATA = dict(BIG, data={"dataset": "circle", "n": 1000})

FLAGS = {
    "steps 0": (["--steps", "0"], "--steps"),
    "steps negative": (["--steps", "-5"], "--steps"),
    "steps text": (["--steps", "abc"], "invalid int"),
    "steps float": (["--steps", "1e3"], "invalid int"),
    "steps empty": (["--steps", ""], "invalid int"),
    "steps over the limit": (["--steps", "1000000"], "between 1 and"),
    "steps with 5000 digits": (["--steps", "9" * 5000], "--steps"),
    "events unknown": (["--events", "bogus"], "invalid choice"),
    "unknown flag": (["--bogus"], "unrecognized"),
    "flag without value": (["--steps"], "expected one argument"),
    "too much work": (["--steps", "100000", "--events", "none"], "over the limit"),
    "too many events printed": (["--steps", "2", "--events", "all"], "events"),
}


@pytest.mark.parametrize("case", list(FLAGS))
def test_hostile_trace_flags(case, tmp_path, capsys):
    flags, fragment = FLAGS[case]
    p = tmp_path / "net.json"
    net = {"too much work": BIG_DATA, "too many events printed": BIG}.get(case, XOR)
    p.write_text(json.dumps(net))
    code, out, err = run_cli(capsys, ["trace", str(p), *flags])
    assert_one_line(code, err, 2, fragment)


def test_trace_without_a_network_is_one_line(capsys):
    code, _, err = run_cli(capsys, ["trace"])
    assert_one_line(code, err, 2, "required")


def test_a_diverging_trace_names_the_step_exits_1_and_warns_nothing(tmp_path, capsys):
    d = json.loads((PRESETS / "square_x1x2.json").read_text())
    d["optimizer"] = {"name": "sgd", "lr": 1e6}
    p = tmp_path / "div.json"
    p.write_text(json.dumps(d))
    with np.errstate(all="raise"):  # a numpy warning would be an error here (and in pytest)
        code, out, err = run_cli(capsys, ["trace", str(p), "--steps", "50", "--json"])
    assert_one_line(code, err, 1, "diverged at step")
    assert "last good state" in err and out == ""


LONG = "1" * 140_000
CSVS = {
    "cell over csv's field limit": ("a,b,y\n" + LONG + ",1,0\n", "line 2"),
    "cell of 200 digits": ("a,b,y\n" + "1" * 200 + ",1,0\n", "characters long"),
    "NUL byte": ("a,b,y\n1,\x00,0\n", "line 2"),
    "ragged": ("a,b,y\n1,2,0\n1,2\n", "line 3: expected 3"),
    "nan": ("a,b,y\n1,nan,0\n", "not a finite number"),
    "inf": ("a,b,y\n1,inf,0\n", "not a finite number"),
    "1e400": ("a,b,y\n1,1e400,0\n", "finite"),
    "underscore number": ("a,b,y\n1,1_000,0\n", "not a number"),
    "hex number": ("a,b,y\n1,0x10,0\n", "not a number"),
    "empty": ("", "empty"),
    "blank lines only": ("\n\n  \n", "empty"),
    "header only": ("a,b,y\n", "no data rows"),
    "one column": ("y\n1\n", "at least 2"),
    "too many columns": (",".join(["1"] * (MAX_UNITS + 10)) + "\n", "columns"),
    "not utf-8": (b"a,b,y\n\xff,1,0\n", "not UTF-8"),
    "utf-16": ("a,b,y\n1,2,0\n".encode("utf-16"), "not UTF-8"),
    "unterminated quote": ('a,b,y\n1,"2,0\n', "line"),
}


@pytest.mark.parametrize("case", list(CSVS))
def test_hostile_csv(case, tmp_path, capsys):
    content, fragment = CSVS[case]
    p = tmp_path / "d.csv"
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(CsvError) as e:
        load_csv(p)
    assert fragment in str(e.value) and "\n" not in str(e.value)
    net = tmp_path / "net.json"
    net.write_text(xor(data={"csv": "d.csv"}))
    code, _, err = run_cli(capsys, ["trace", str(net)])
    assert_one_line(code, err, 2, fragment)


def test_csv_over_the_row_limit_stops_counting(tmp_path, monkeypatch):
    from engine.numpy_engine import csv_data

    monkeypatch.setattr(csv_data, "MAX_ROWS", 50)
    p = tmp_path / "rows.csv"
    p.write_text("a,y\n" + "1,0\n" * 51)
    with pytest.raises(CsvError, match="more than 50 data rows"):
        load_csv(p)


def test_csv_without_a_header_keeps_its_first_row_and_says_so(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("0.5,1,0\n1.5,2,1\n")
    d = load_csv(p)
    assert d.inputs.tolist() == [[0.5, 1.0], [1.5, 2.0]] and d.targets.tolist() == [[0], [1]]
    assert d.input_names == ("x1", "x2")
    assert any("no header row" in n and "x1, x2, y" in n for n in d.notes)


def test_csv_with_a_bom_and_a_header_reads_normally(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes("\ufeffa,b,y\n0,1,1\n1,0,0\n".encode())
    d = load_csv(p)
    assert d.input_names == ("a", "b") and not d.notes and d.task == "classification"


def test_csv_classes_0_1_2_become_three_one_hot_outputs(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,label\n0,0,0\n0,1,1\n1,0,2\n1,1,1\n")
    d = load_csv(p)
    assert d.task == "classification" and d.n_classes == 3
    assert d.targets.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]
    assert "one-hot encoded into 3 outputs" in d.notes[0]
    spec = parse_network(XOR)
    from engine.numpy_engine.adapt import adapt_to_data

    fitted = adapt_to_data(spec, d)
    assert fitted.layers[-1].activation == "softmax" and fitted.loss == "cce"
    Network(fitted, d)  # the one-hot targets suit cce


def test_csv_whole_numbers_that_are_not_classes_are_regression_in_words(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,rating\n0,1\n1,5\n2,3\n")
    d = load_csv(p)
    assert d.task == "regression" and "treated as regression" in d.notes[0]


def test_a_bom_network_file_is_read(tmp_path, capsys):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(XOR).encode())
    code, out, err = run_cli(capsys, ["trace", str(p), "--events", "none"])
    assert code == 0 and err == ""


def test_json_depth_is_counted_outside_strings_without_recursion():
    assert json_depth('{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert json_depth("[" * 200_000) == 200_000
    assert MAX_JSON_DEPTH == 64


def test_read_text_refuses_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(UnreadableFile, match="folder"):
        read_text(tmp_path, 100, "file")
    p = tmp_path / "big.txt"
    p.write_text("x" * 101)
    with pytest.raises(UnreadableFile, match="limit"):
        read_text(p, 100, "file")


def test_the_limits_are_listed_in_one_place():
    text = describe_limits()
    assert len(text.splitlines()) == len(LIMITS) >= 15
    assert "units per layer" in text and f"{MAX_UNITS:,}" in text


def test_a_2_500_500_1_network_steps_and_indexes_its_trace_fast():
    d = dict(BIG)
    d["layers"] = [
        {"units": 2},
        {"units": 500, "activation": "tanh"},
        {"units": 500, "activation": "tanh"},
        {"units": 1, "activation": "sigmoid"},
    ]
    d["data"] = {"dataset": "spiral"}
    d["loss"] = "bce"
    net = Network(parse_network(d))
    r = net.step(net.initial_state())  # events built lazily (46 s to build the forward phase
    last = r.events[len(r.events) - 1]  # eagerly; test_lazy_trace_counts_match_what_it_builds
    mid = r.events[r.events.phase_start("backward") + 5]  # counts what is built, no clock)
    assert last.symbol == "b[3][0]" and mid.phase == "backward"
    assert len(r.events) == 1_306_003


def test_gradient_check_samples_big_nets_and_matches_every_parameter_of_small_ones():
    net = Network.from_file(PRESETS / "moons_regularized.json")
    rows = gradient_check(net, net.initial_state())
    assert len(rows) == sum(W.size + b.size for W, b in net.initial_state().params)
    assert max(r.abs_error for r in rows) < 1e-7
    res = run_gradient_check(net, net.initial_state(), max_params=20)
    assert res.sampled and len(res.rows) == 20
    assert {r.symbol for r in res.rows} <= {r.symbol for r in rows}
