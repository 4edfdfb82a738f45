import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).parents[2]
PRESET = ROOT / "assets" / "presets" / "design_example.json"


def _imports(folder: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import statement under `folder`, lazy ones included."""
    found = []
    for f in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(f.relative_to(ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((str(f.relative_to(ROOT)), node.module))
    return found


def _bad(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{f}: {m}"
        for f, m in _imports(folder)
        if any(m == x or m.startswith(x + ".") for x in forbidden)
    ]


QT = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "superqt", "qtpy")


def test_engine_never_imports_qt():
    bad = _bad("engine", (*QT, "app"))
    assert not bad, bad


def test_the_command_line_needs_nothing_from_the_windows():
    """app/cli may start the GUI through app.main, but takes nothing from app/shared or a view."""
    assert _imports("app/cli"), "the scan found no imports at all"
    bad = _bad("app/cli", (*QT, "app.shared", "app.explainer", "app.trainer"))
    assert not bad, bad


def test_the_views_meet_only_in_the_main_window():
    """The explainer and the trainer never import each other, and app/shared imports neither:
    what both need (theme, plot style, lecturer mode) lives in app/shared."""
    views = ("app.explainer", "app.trainer")
    assert _imports("app/explainer") and _imports("app/trainer")
    bad = _bad("app/explainer", ("app.trainer",)) + _bad("app/trainer", ("app.explainer",))
    bad += _bad("app/shared", views)
    assert not bad, bad
    composer = {m for f, m in _imports("app") if f == "app/main_window.py"}
    assert all(any(m.startswith(v) for m in composer) for v in views)  # it composes both


def test_importing_the_engine_loads_no_qt():
    code = (
        "import sys, engine.numpy_engine, engine.torch_engine.training;"
        "print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.strip() == "[]"


def test_trace_json_has_events_losses_and_parameters(capsys):
    assert main(["trace", str(PRESET), "--steps", "3", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["losses"]) == 4 and d["losses"][-1] < d["losses"][0]
    assert {e["step"] for e in d["events"]} == {1}  # --events first (the default)
    assert {"phase", "symbol", "formula", "substituted", "value", "nodes", "edges"} <= set(
        d["events"][0]
    )
    assert len(d["parameters"]) == 2 and len(d["parameters"][0]["weights"]) == 3
    assert d["parameters"][0]["bias"] == [0.1, 0.0, -0.2]  # frozen


def test_trace_events_all_and_none(capsys):
    main(["trace", str(PRESET), "--steps", "2", "--events", "all", "--json"])
    assert {e["step"] for e in json.loads(capsys.readouterr().out)["events"]} == {1, 2}
    main(["trace", str(PRESET), "--steps", "2", "--events", "none", "--json"])
    assert json.loads(capsys.readouterr().out)["events"] == []


def test_trace_text_is_readable(capsys):
    assert main(["trace", str(PRESET)]) == 0
    out = capsys.readouterr().out
    assert "== step 1 · forward ==" in out and "z[1][0] = w[1][0][0]·a[0][0]" in out
    assert "loss before each step and after the last" in out


@pytest.mark.parametrize(
    "content,msg",
    [
        ("{", "not valid JSON"),
        ('{"layers": [{"units": 2}, {"units": 1, "activation": "nope"}]}', "layers[1].activation"),
        ('{"layers": [{"units": 2}, {"units": 1}]}', "no 'data'"),
    ],
)
def test_bad_files_exit_2_with_one_line(tmp_path, content, msg):
    p = tmp_path / "bad.json"
    p.write_text(content)
    r = subprocess.run(
        [sys.executable, "-m", "app", "trace", str(p)], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 2
    assert msg in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
