"""`backprop-studio landscape`: the issue's JSON contract read back independently (each loss
recomputed by the network from the JSON's own plane), the plot files, and every bad input as one
line on stderr with exit code 2."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from engine.numpy_engine import Network, TrainState

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
XOR = PRESETS / "xor_momentum.json"


def run_json(capsys, *args) -> dict:
    assert main(["landscape", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def as_params(layers) -> tuple:
    return tuple((np.array(p["weights"], float), np.array(p["bias"], float)) for p in layers)


def test_the_json_holds_the_issues_fields_and_each_loss_is_the_networks(capsys):
    out = run_json(capsys, XOR, "--optimizers", "sgd,momentum,nesterov", "--lrs", "0.5,0.5,0.2",
                   "--steps", "15", "--grid", "7")  # fmt: skip
    assert set(out) == {"plane", "alpha", "beta", "loss", "paths"}
    assert set(out["plane"]) == {"origin", "d1", "d2"}
    assert len(out["loss"]) == len(out["beta"]) == 7 and all(len(r) == 7 for r in out["loss"])
    net = Network.from_file(XOR)
    start = net.initial_state()
    O, D1, D2 = (as_params(out["plane"][k]) for k in ("origin", "d1", "d2"))
    assert all(np.array_equal(a, b) for (w, c), (x, y) in zip(O, start.params, strict=True)
               for a, b in ((w, x), (c, y)))  # fmt: skip
    for r, c in [(0, 0), (3, 3), (6, 2), (1, 5)]:
        a, b = out["alpha"][c], out["beta"][r]
        params = tuple((w + a * dw + b * ew, v + a * dv + b * ev)
                       for (w, v), (dw, dv), (ew, ev) in zip(O, D1, D2, strict=True))  # fmt: skip
        want = net.loss(TrainState(params, start.opt_state, 0))
        assert out["loss"][r][c] == pytest.approx(want, rel=1e-10)
    assert [p["optimizer"] for p in out["paths"]] == ["sgd", "momentum", "nesterov"]
    for p in out["paths"]:
        assert len(p["loss"]) == len(p["alpha"]) == len(p["beta"]) == len(p["loss_on_plane"]) == 16
    assert len(out["paths"][2]["lookahead_alpha"]) == 16
    assert "lookahead_alpha" not in out["paths"][0]


def test_path_losses_equal_trace_losses(capsys, tmp_path):
    out = run_json(capsys, XOR, "--steps", "10", "--grid", "3")
    assert main(["trace", str(XOR), "--steps", "10", "--events", "none", "--json"]) == 0
    trace = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(out["paths"][0]["loss"], trace["losses"], rtol=1e-12)


def test_weights_and_random_planes_from_the_command_line(capsys):
    out = run_json(capsys, PRESETS / "mazur_2_2_2.json", "--plane", "weights:2.0.0,2.1.1",
                   "--grid", "5", "--span", "2", "--steps", "3")  # fmt: skip
    assert out["alpha"] == pytest.approx(np.linspace(-2, 2, 5).tolist())
    d1 = out["plane"]["d1"]
    assert d1[1]["weights"][0][0] == 1.0 and sum(map(sum, d1[1]["weights"])) == 1.0
    a = run_json(capsys, XOR, "--plane", "random", "--seed", "3", "--grid", "3", "--steps", "2")
    b = run_json(capsys, XOR, "--plane", "random", "--seed", "3", "--grid", "3", "--steps", "2")
    assert a == b


def test_the_text_summary_and_the_plots(capsys, tmp_path):
    assert main(["landscape", str(XOR), "--optimizers", "sgd,adam", "--steps", "5"]) == 0
    text = capsys.readouterr().out
    assert "plane: path" in text and "sgd" in text and "adam" in text
    png, svg = tmp_path / "l.png", tmp_path / "l.svg"
    for f in (png, svg):
        assert main(["landscape", str(XOR), "--steps", "5", "--grid", "9", "-o", str(f)]) == 0
    from PIL import Image

    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] == 960
        colours = np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)
        assert len(colours) > 20  # a heat map, not a blank page
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and len(root.findall(".//{*}rect")) > 81
    assert root.findall(".//{*}polyline")


def test_a_path_that_leaves_the_map_is_clipped_to_it(capsys, tmp_path, monkeypatch):
    """lr_too_large explodes to about ±480 while its map spans its tame points (±8.6): its path
    was drawn over the colour bar and off the page. The axes' Δ is written (Pillow's own font
    has none: "d" then)."""
    from PIL import Image, ImageFont

    from app.cli.landscape_plot import BAR, PLOT, _font

    png, svg = tmp_path / "l.png", tmp_path / "l.svg"
    for f in (png, svg):
        args = ["landscape", str(PRESETS / "lr_too_large.json"), "--steps", "12",
                "--plane", "weights:1.0.0,1.0.1", "--grid", "21", "-o", str(f)]  # fmt: skip
        assert main(args) == 0
    with Image.open(png) as im:
        rgb = np.asarray(im.convert("RGB"))
    gap = rgb[PLOT[1] : PLOT[3], PLOT[2] + 2 : BAR[0] - 2]  # between the map and its bar
    assert (gap == 255).all()
    assert (rgb[PLOT[1] : PLOT[3], : PLOT[0] - 60] == 255).all()  # left of the tick labels
    root = ET.parse(svg).getroot()
    clipped = root.findall(".//{*}g[@clip-path='url(#map)']")
    assert len(clipped) == 1 and clipped[0].findall("{*}polyline")
    assert root.findall(".//{*}clipPath/{*}rect")

    real = ImageFont.truetype

    def no_dejavu(font, *a, **k):  # a system without DejaVu (Pillow's own font still loads)
        if font == "DejaVuSans.ttf":
            raise OSError("no such font")
        return real(font, *a, **k)

    monkeypatch.setattr(ImageFont, "truetype", no_dejavu)
    assert _font(ImageFont)[1] == "d"


@pytest.mark.parametrize(
    "args, msg",
    [
        (["--optimizers", "sgd,bogus"], "unknown optimizer"),
        (["--optimizers", ","], "at least one"),
        (["--lrs", "0.1,x"], "not a number"),
        (["--lrs", "nan"], "learning rate"),
        (["--lrs", "1e400"], "learning rate"),
        (["--optimizers", "sgd,adam", "--lrs", "0.1"], "learning rate"),
        (["--grid", "1"], "2 to 201"),
        (["--grid", "100000"], "2 to 201"),
        (["--grid", "x"], "invalid int"),
        (["--steps", "0"], "--steps"),
        (["--steps", "99999999"], "--steps"),
        (["--span", "-1"], "--span"),
        (["--span", "inf"], "--span"),
        (["--plane", "weights:2.0.0"], "two weights"),
        (["--plane", "weights:1.9.9,1.0.0"], "indices"),
        (["--plane", "diagonal"], "unknown plane"),
        (["--bogus"], "unrecognized"),
        (["-o", "plot.gif"], ".png or .svg"),
        (["-o", "/no/such/folder/p.png"], "-o"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(capsys, tmp_path, monkeypatch, args, msg):
    monkeypatch.chdir(tmp_path)
    assert exit_code(["landscape", str(XOR), *args]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # no stray file


def exit_code(argv) -> int:
    """main's return value, or the code of the SystemExit argparse's usage errors raise."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("content", ["", "{", "[]", '{"layers": []}', "\x00\xff"])
def test_bad_files_are_one_line_and_exit_2(capsys, tmp_path, content):
    f = tmp_path / "bad.json"
    f.write_text(content, encoding="latin-1")
    assert main(["landscape", str(f)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["landscape", str(tmp_path / "missing.json")]) == 2


def test_a_grid_too_large_for_the_net_names_the_limit(capsys, tmp_path, monkeypatch):
    import engine.numpy_engine.landscape as lm

    monkeypatch.setattr(lm, "MAX_LANDSCAPE_WORK", 1000)
    assert main(["landscape", str(XOR), "--grid", "41"]) == 2
    err = capsys.readouterr().err
    assert "over the limit of 1,000" in err and err.count("\n") == 1


def test_an_exploding_racer_is_reported_and_the_json_stays_valid(capsys, tmp_path):
    spec = json.loads(XOR.read_text())
    spec.update(loss="mse", layers=[{"units": 2}, {"units": 3, "activation": "linear"},
                                    {"units": 1, "activation": "linear"}])  # fmt: skip
    f = tmp_path / "lin.json"
    f.write_text(json.dumps(spec))
    out = run_json(capsys, f, "--optimizers", "sgd,adam", "--lrs", "60,0.01", "--steps", "40",
                   "--span", "1e5", "--grid", "5")  # fmt: skip
    assert out["paths"][0]["diverged"] and not out["paths"][1]["diverged"]
    assert len(out["paths"][0]["loss"]) < 41


def test_the_colour_bar_tells_its_values_apart():
    """A map flat to four figures (the deep sigmoid over layer 1's weights, 0.7026 to 0.7031)
    labelled its bar "0.703" five times: the labels take the digits that tell them apart."""
    from app.cli.landscape_plot import bar_texts

    assert bar_texts([0.001, 0.01, 0.1, 1.0, 10.0]) == ["0.001", "0.01", "0.1", "1", "10"]
    flat = bar_texts([0.70255, 0.70268, 0.70281, 0.70294, 0.70307])
    assert flat == ["0.7026", "0.7027", "0.7028", "0.7029", "0.7031"]  # four figures tell them
    assert bar_texts([1.0, 1.0]) == ["1", "1"]  # equal values stay equal (7 figures tried)
