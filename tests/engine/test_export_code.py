"""`export-code`: the NumPy and PyTorch scripts reproduce `trace --json` to 1e-9 for a matrix of
networks (run in one child process per flavour), batch norms' running statistics included, import
only what they may, and pass ruff; bad input is one line on stderr, exit code 2 and nothing
written."""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from tests.engine.code_networks import batchnorm_networks, large, networks

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "assets" / "presets"
STEPS = 4
NORM_KEYS = ("gamma", "beta", "running_mean", "running_var")  # a batch norm's entry
RUNNER = """
import contextlib, io, json, runpy, sys
out, steps, paths = {}, sys.argv[1], sys.argv[2:]
for path in paths:
    sys.argv = [path, "--steps", steps]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(path, run_name="__main__")
    out[path] = json.loads(buf.getvalue())
print(json.dumps(out))
"""


def _trace(capsys, path: Path, steps: int = STEPS) -> dict:
    capsys.readouterr()
    assert main(["trace", str(path), "--steps", str(steps), "--json", "--events", "none"]) == 0
    return json.loads(capsys.readouterr().out)


def _export(capsys, net: Path, flavour: str, out: Path) -> None:
    assert main(["export-code", str(net), f"--{flavour}", "-o", str(out)]) == 0, capsys.readouterr()


def _run_all(scripts: list[Path], steps: int = STEPS) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", RUNNER, str(steps), *map(str, scripts)],
        capture_output=True, text=True, timeout=600, cwd=scripts[0].parent,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def _close(got: dict, ref: dict, what: str) -> None:
    assert set(got) == {"losses", "parameters"}, what
    assert len(got["losses"]) == len(ref["losses"]) == STEPS + 1, what
    np.testing.assert_allclose(got["losses"], ref["losses"], rtol=1e-9, atol=1e-9, err_msg=what)
    assert len(got["parameters"]) == len(ref["parameters"]), what
    for k, (g, e) in enumerate(zip(got["parameters"], ref["parameters"], strict=True)):
        assert set(g) == set(e), what
        assert set(g) in ({"weights", "bias"}, set(NORM_KEYS)), what
        for part in g:
            a, b = np.array(g[part], dtype=float), np.array(e[part], dtype=float)
            assert a.shape == b.shape, f"{what}: layer {k + 1} {part}"
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"{what} {k + 1}")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("code_nets")
    files = {}
    for name, net in {**networks(), **batchnorm_networks(), "large": large()}.items():
        files[name] = folder / f"{name}.json"
        files[name].write_text(json.dumps(net))
    return files


@pytest.mark.parametrize("flavour", ["numpy", "torch"])
def test_scripts_reproduce_the_trace(flavour, matrix, capsys):
    if flavour == "torch":
        pytest.importorskip("torch")
    refs, scripts = {}, []
    for name, net in matrix.items():
        out = net.with_name(f"{name}_{flavour}.py")
        _export(capsys, net, flavour, out)
        scripts.append(out)
        refs[str(out)] = _trace(capsys, net)
    results = _run_all(scripts)
    for path, got in results.items():
        _close(got, refs[path], path)
    assert len(results) == len(matrix)
    big = (matrix["large"].with_name(f"large_{flavour}.py")).read_text()
    assert 'NETWORK_FILE = Path(__file__).with_name("large.json")' in big
    assert len(big.splitlines()) < 300  # the 14,001 weights and 10,200 data values stay in the file


def test_the_worked_example_script_reads_as_the_course_writes_it(tmp_path, capsys):
    out = tmp_path / "mazur.py"
    _export(capsys, PRESETS / "mazur_2_2_2.json", "numpy", out)
    text = out.read_text()
    assert 100 <= len(text.splitlines()) <= 250
    for piece in ("class Linear:", "class Sigmoid:", "class NeuralNetwork:", "def forward(",
                  "def backward(", "def compute_loss(", "def update(", "# 1. zero the gradients",
                  "# 2. forward", "# 3. the loss", "# 4. backward", "# 5. update the weights",
                  "# ∂L/∂w[l][j][i] = Σ_samples δ[l][j]·a[l−1][i]", "class SGD:"):  # fmt: skip
        assert piece in text, piece
    assert "class Adam" not in text and "W1 = [[0.15, 0.2], [0.25, 0.3]]" in text
    r = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=120)
    got = json.loads(r.stdout)
    assert abs(got["losses"][0] - 0.2983711087600027) < 1e-12  # E before the first step
    assert abs(got["parameters"][1]["weights"][0][0] - 0.35891648) < 1e-8  # w5 after it


def _imports(text: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            names.add(node.module.split(".")[0])
    return names


def test_imports_and_ruff(matrix, tmp_path, capsys):
    scripts = []
    for name, net in matrix.items():
        for flavour in ("numpy", "torch"):
            out = tmp_path / f"{name}_{flavour}.py"
            shutil.copy(net, tmp_path / net.name)
            _export(capsys, tmp_path / net.name, flavour, out)
            allowed = {"numpy"} | ({"torch"} if flavour == "torch" else set())
            extra = _imports(out.read_text()) - allowed - set(sys.stdlib_module_names)
            assert not extra, f"{out.name} imports {extra}"
            assert "numpy" in _imports(out.read_text())
            scripts.append(out)
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    rules = ["--select", "E,F,W,I,B,UP,SIM", "--line-length", "100", "--target-version", "py311"]
    r = subprocess.run([ruff, "check", "--isolated", *rules, *map(str, scripts)],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:]


def _refused(capsys, args: list[str], out: Path, words: str) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) if args[0] == "parse" else _nothing() as _:
        code = main(args[1:] if args[0] == "parse" else args)
    if args[0] != "parse":
        assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and words in err, err
    assert not out.exists()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "s.py"
    net = PRESETS / "xor_2_2_1.json"
    bad = tmp_path / "bad.json"
    cases = {
        "no such file": (None, "no such file"),
        "{": ("{", "JSON"),
        "": ("", ""),
        "[]": ("[]", ""),
        "nan": ('{"layers": [{"units": 1}, {"units": 1}], "data": {"inputs": [[NaN]], "targets": [[1]]}}', ""),
        "huge": ('{"layers": [{"units": 99999999}, {"units": 1}]}', "layers[0].units"),
        "no data": ('{"layers": [{"units": 1}, {"units": 1}]}', "no 'data'"),
        "wrong type": ('{"layers": [{"units": "two"}, {"units": 1}]}', "layers[0].units"),
    }  # fmt: skip
    for text, words in cases.values():
        path = tmp_path / "missing.json" if text is None else bad
        if text is not None:
            bad.write_text(text)
        _refused(capsys, ["export-code", str(path), "--numpy", "-o", str(out)], out, words)
    for target, words in ((tmp_path / "nodir" / "s.py", "does not exist"), (tmp_path, "folder"),
                          ("", "empty"), (net, "network file itself")):  # fmt: skip
        _refused(capsys, ["export-code", str(net), "--torch", "-o", str(target)], out, words)
    assert json.loads(net.read_text())  # the network file is untouched
    _refused(capsys, ["parse", "export-code", str(net), "-o", str(out)], out, "--numpy")
    _refused(capsys, ["parse", "export-code", str(net), "--numpy", "--torch", "-o", str(out)], out,
             "not allowed")  # fmt: skip


def test_large_data_that_the_file_does_not_hold_is_refused(tmp_path, capsys):
    net = {"layers": [{"units": 2}, {"units": 1, "activation": "sigmoid"}], "loss": "bce",
           "data": {"dataset": "moons", "n": 5000}}  # fmt: skip
    path = tmp_path / "moons.json"
    path.write_text(json.dumps(net))
    out = tmp_path / "s.py"
    _refused(capsys, ["export-code", str(path), "--numpy", "-o", str(out)], out, "15,000 values")


def test_the_script_refuses_bad_steps(tmp_path, capsys):
    out = tmp_path / "s.py"
    _export(capsys, PRESETS / "xor_2_2_1.json", "numpy", out)
    for steps in ("0", "-3", "x"):
        r = subprocess.run([sys.executable, str(out), "--steps", steps], capture_output=True,
                           text=True, timeout=60)  # fmt: skip
        assert r.returncode == 2 and not r.stdout and r.stderr.strip().splitlines()[-1], steps


def test_odd_names_and_a_file_read_beside_the_script(tmp_path, capsys, monkeypatch):
    """A network name and file name with quotes, a backslash, a newline and non-ASCII letters;
    the limit lowered so that the 2-2-2 example's script reads its weights from the file."""
    import engine.numpy_engine.codegen.parts as parts

    monkeypatch.setattr(parts, "MAX_WRITTEN", 5)
    net = json.loads((PRESETS / "mazur_2_2_2.json").read_text())
    del net["layers"][1]["weights"]  # drawn from the seed, by the script as by the engine
    net["name"] = 'my """net""" \\d\nsecond line "'
    folder = tmp_path / "dossier été"
    folder.mkdir()
    path = folder / "réseau 'x' \\ \"y\".json"
    path.write_text(json.dumps(net), encoding="utf-8")
    ref = _trace(capsys, path)
    scripts = []
    for flavour in ("numpy", "torch"):
        out = folder / f"s_{flavour}.py"
        _export(capsys, path, flavour, out)
        text = out.read_text(encoding="utf-8")
        ast.parse(text)
        assert "NETWORK_FILE = Path(__file__).with_name(" in text
        scripts.append(out)
    if importlib.util.find_spec("torch") is None:
        scripts = scripts[:1]
    for path_, got in _run_all(scripts).items():
        _close(got, ref, path_)


def test_batch_norms_read_from_the_file(tmp_path, capsys, monkeypatch):
    """The limit lowered so that the scripts read γ, β and the running statistics from the file:
    given ones (a conv net in evaluation mode) and the defaults γ = 1, β = 0, mean 0, variance 1
    (the preset, in training mode)."""
    import engine.numpy_engine.codegen.parts as parts

    monkeypatch.setattr(parts, "MAX_WRITTEN", 5)
    nets = {"preset": json.loads((PRESETS / "batchnorm_relu.json").read_text()),
            "conv": batchnorm_networks()["bn_conv_eval_avgpool_bce_rmsprop_frozen"]}  # fmt: skip
    flavours = ("numpy", "torch") if importlib.util.find_spec("torch") else ("numpy",)
    refs, scripts = {}, []
    for name, net in nets.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(net))
        for flavour in flavours:
            out = tmp_path / f"{name}_{flavour}.py"
            _export(capsys, path, flavour, out)
            text = out.read_text()
            assert f'NETWORK_FILE = Path(__file__).with_name("{name}.json")' in text
            assert 'NETWORK["layers"][2].get("running_var", [1.0] * ' in text
            scripts.append(out)
            refs[str(out)] = _trace(capsys, path)
    for path_, got in _run_all(scripts).items():
        _close(got, refs[path_], path_)
    stats = json.loads((tmp_path / "conv.json").read_text())["layers"][2]["running_mean"]
    ref = refs[str(tmp_path / "conv_numpy.py")]["parameters"][1]
    assert ref["running_mean"] == stats  # evaluation mode: the file's statistics never move


def test_the_batch_norm_script_reads_as_the_course_writes_it(tmp_path, capsys):
    out = tmp_path / "bn.py"
    _export(capsys, PRESETS / "batchnorm_relu.json", "numpy", out)
    text = out.read_text()
    for piece in ("class BatchNorm:", "# ∂L/∂σ² = Σ ∂L/∂x̂·(x − μ)·(−½)(σ² + ε)^(−3/2)",
                  "# ∂L/∂μ = Σ ∂L/∂x̂·(−1/√(σ² + ε)) + ∂L/∂σ²·Σ −2(x − μ)/m",
                  "# ∂L/∂x = ∂L/∂x̂/√(σ² + ε) + ∂L/∂σ²·2(x − μ)/m + ∂L/∂μ/m",
                  "BatchNorm(W2, B2, (MEAN2, VAR2), momentum=0.1, eps=1e-05)", "MEAN2 = [0.0, 0.0, 0.0]",
                  "VAR2 = [1.0, 1.0, 1.0]", "class SGD:"):  # fmt: skip
        assert piece in text, piece
    torch_out = tmp_path / "bn_torch.py"
    _export(capsys, PRESETS / "batchnorm_relu.json", "torch", torch_out)
    text = torch_out.read_text()
    assert "self.layer2 = nn.BatchNorm1d(3, eps=1e-05, momentum=0.1)" in text
    assert "self.layer2.running_var.copy_(torch.tensor(VAR2))" in text and ".eval()" not in text


def test_one_value_per_channel_and_every_parameter_frozen(tmp_path, capsys):
    """A batch norm in training mode over 1×1 maps with batches of one sample: torch refuses to
    train it, so --torch is refused in one line and --numpy writes it (x̂ = 0, as the engine).
    A net whose every parameter is frozen still moves its running statistics, in both scripts."""
    one = {"layers": [{"shape": [1, 2, 2]}, {"type": "conv", "filters": 2, "kernel": 2},
                      {"type": "batchnorm", "activation": "tanh"}, {"type": "flatten"},
                      {"units": 1, "activation": "sigmoid"}],
           "loss": "bce", "training": {"batch_size": 1},
           "data": {"inputs": [[0.1, 0.5, -0.3, 0.9], [0.7, -0.2, 0.4, 0.0]],
                    "targets": [[1], [0]]}}  # fmt: skip
    frozen = json.loads((PRESETS / "batchnorm_relu.json").read_text())
    for lay in frozen["layers"][1:]:
        lay["frozen"] = ["gamma", "beta"] if lay.get("type") == "batchnorm" else ["weights", "bias"]
    paths = {}
    for name, net in (("one", one), ("frozen", frozen)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(net))
    out = tmp_path / "one_torch.py"
    _refused(capsys, ["export-code", str(paths["one"]), "--torch", "-o", str(out)], out,
             "one value per channel")  # fmt: skip
    scripts = [tmp_path / "one_numpy.py", tmp_path / "frozen_numpy.py"]
    if importlib.util.find_spec("torch") is not None:
        scripts.append(tmp_path / "frozen_torch.py")
    refs = {}
    for s in scripts:
        name, flavour = s.stem.split("_")
        _export(capsys, paths[name], flavour, s)
        refs[str(s)] = _trace(capsys, paths[name])
    for path_, got in _run_all(scripts).items():
        _close(got, refs[path_], path_)
    ref = refs[str(scripts[1])]["parameters"][1]
    assert ref["gamma"] == [1.0, 1.0, 1.0] and ref["running_mean"] != [0.0, 0.0, 0.0]


def test_a_script_read_by_a_reader_that_stops_early_ends_quietly(tmp_path):
    """`python net.py --steps 20000 | head -c 20` printed a BrokenPipeError traceback."""
    from engine.numpy_engine import Network
    from engine.numpy_engine.codegen import export_script

    net = Network.from_file(Path(__file__).parents[2] / "assets" / "presets" / "xor_2_2_1.json")
    script = tmp_path / "net.py"
    script.write_text(export_script(net, "numpy"))
    r = subprocess.run(f"{sys.executable} {script} --steps 20000 | head -c 20", shell=True,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.stdout.startswith('{"losses": [') and r.stderr == ""
