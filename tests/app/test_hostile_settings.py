"""The files the windows read at start-up, made hostile (a hostile pass): a wrong-typed value in
settings.ini or trainer.ini stopped the app from starting, every time, with an internal error;
a settings folder that cannot be made was a bare FileExistsError. Each now starts with its
defaults, or says in one sentence what is wrong."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "lines",
    [
        ["geometry=hello"],
        ["window_state=hello"],
        ["window_state=5"],
        ["geometry=@ByteArray(garbage)", "window_state=@ByteArray(\\0\\0\\xff)"],
    ],
)
def test_the_explainer_starts_whatever_its_layout_settings_hold(qtbot, tmp_path, lines):
    from app.explainer.window import ExplainerWindow

    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "settings.ini").write_text("[General]\n" + "\n".join(lines) + "\n")
    w = ExplainerWindow(folder, restore=True)
    qtbot.addWidget(w)
    assert w.explainer.net is not None and w.last_error == ""


@pytest.mark.parametrize(
    "lines", [["geometry=hello"], ["geometry=3"], ['form="' + "[" * 200_000 + '"']]
)
def test_the_trainer_starts_whatever_its_settings_hold(qtbot, tmp_path, lines):
    from app.trainer.window import TrainerWindow

    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "trainer.ini").write_text("[General]\n" + "\n".join(lines) + "\n")
    w = TrainerWindow(folder, data_dir=tmp_path / "none", store=tmp_path / "runs.sqlite")
    qtbot.addWidget(w)
    assert w.form.values()  # the form's defaults


def test_a_settings_folder_that_cannot_be_made_is_one_sentence(tmp_path):
    (tmp_path / "backprop-studio").write_text("a file where the folder goes")
    env = {"XDG_CONFIG_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    import os

    r = subprocess.run(
        [sys.executable, "-m", "app", "trainer"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "settings folder" in lines[0] and str(tmp_path) in lines[0]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("content", [b"\x00\xff garbage", b'{"network": 3}', b"[1, 2"])
def test_a_last_session_that_cannot_be_opened_is_kept_aside(qtbot, tmp_path, content):
    """It was opened, refused, and written over at the quit without a word."""
    from app.explainer.window import ExplainerWindow

    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "last_session.json").write_bytes(content)
    w = ExplainerWindow(folder, restore=True)
    qtbot.addWidget(w)
    aside = folder / "last_session.damaged.json"
    assert aside.read_bytes() == content and w.explainer.net is not None
    assert "kept as" in w.statusBar().currentMessage()
    w.close()  # the quit writes a new one; the damaged one stays kept
    assert (folder / "last_session.json").exists() and aside.read_bytes() == content


def test_a_session_not_saved_at_quit_is_said_on_the_terminal(qtbot, tmp_path, capsys):
    from app.explainer.window import ExplainerWindow

    folder = tmp_path / "settings"
    folder.mkdir()
    w = ExplainerWindow(folder, restore=True)
    qtbot.addWidget(w)
    (folder / "last_session.json").mkdir()  # a folder where the file goes: it cannot be written
    w.close()
    err = capsys.readouterr().err
    assert "the last session was not saved" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "content",
    [b"\x00\xff garbage", b'{"01_perceptron": {"step": -1}}', b'{"x": {"done": [true]}}'],
)
def test_lesson_progress_not_read_whole_is_kept_and_said(qtbot, window, tmp_path, monkeypatch,
                                                         content):  # fmt: skip
    from engine.lessons.networks import LESSONS
    from engine.lessons.progress import ENV_VAR

    path = tmp_path / "lessons.json"
    path.write_bytes(content)
    monkeypatch.setenv(ENV_VAR, str(path))
    L = window.lessons
    assert L.open_path(str(LESSONS / "02_sigmoid_neuron.json"))
    qtbot.waitUntil(lambda: L.preparing is None, timeout=20000)
    aside = tmp_path / "lessons.damaged.json"
    assert aside.read_bytes() == content and str(aside) in window.last_error
