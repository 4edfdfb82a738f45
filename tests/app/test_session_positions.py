"""Issue 23, defect 1: a session is saved from plain Python types at every kind of position (each
jump key, each phase, the end, the next step) on every preset, and reopens on the same training
step and event. The explainer (no window) saves and reloads; one window test quits and restarts."""

import json
from pathlib import Path

import numpy as np
import pytest

from app.explainer import jumps
from app.explainer.data_panel import PRESET_DIR
from app.explainer.explainer import Explainer
from app.explainer.session import plain, save_session, session_dict

PRESETS = sorted(p.name for p in Path(PRESET_DIR).glob("*.json"))

# (key, what it does): the keys of the Step menu that move the position
MOVES = (
    ("]", jumps.next_part),
    ("M", jumps.to_largest),
    ("3", lambda ex: ex.jump_phase("backward")),
    ("]", jumps.next_part),
    ("M", jumps.to_largest),
    ("[", jumps.previous_part),
    ("2", lambda ex: ex.jump_phase("loss")),
    ("M", jumps.to_largest),
    ("4", lambda ex: ex.jump_phase("update")),
    ("M", jumps.to_largest),
    ("End", lambda ex: ex.end()),
    ("Home", lambda ex: ex.home()),
    ("1", lambda ex: ex.jump_phase("forward")),
    ("M", jumps.to_largest),
    ("N", lambda ex: ex.next_training_step()),
    ("3", lambda ex: ex.jump_phase("backward")),
    ("M", jumps.to_largest),
)


def _strict_json(d) -> str:
    """JSON without any fallback: only plain Python types pass (an int64 raises TypeError)."""
    return json.dumps(d, allow_nan=False)


@pytest.mark.parametrize("preset", PRESETS)
def test_save_and_reload_at_every_kind_of_position(qtbot, tmp_path, preset):
    ex, again = Explainer(), Explainer()
    assert ex.load_file(PRESET_DIR / preset)
    path = tmp_path / "s.json"
    phases = set()
    for key, move in MOVES:
        move(ex)
        phases.add(ex.event.phase)
        _strict_json(session_dict(ex))  # raises on anything but plain types
        save_session(ex, path)
        assert again.open_session(path), key
        where = (key, ex.event.phase, ex.event_index)
        assert (again.current.t, again.event_index) == (ex.current.t, ex.event_index), where
        assert (again.event.symbol, again.event.phase) == (ex.event.symbol, ex.event.phase)
        assert again.event.value == pytest.approx(ex.event.value, rel=1e-12, abs=1e-15), where
        assert again.loss_t == ex.loss_t
    assert phases == {"forward", "loss", "backward", "update"}
    assert again.net is not None
    ex.stop_training()
    again.stop_training()


def test_plain_turns_numpy_into_python_and_refuses_the_rest():
    d = plain({"i": np.int64(3), "f": np.float32(0.5), "a": np.arange(3), "t": (np.bool_(1),)})
    assert d == {"i": 3, "f": 0.5, "a": [0, 1, 2], "t": [True]}
    assert type(d["i"]) is int and type(d["f"]) is float and type(d["a"][0]) is int
    _strict_json(d)
    with pytest.raises(TypeError, match="cannot hold a object"):
        plain({"x": object()})
    with pytest.raises(TypeError):
        plain({"x": {1, 2}})


def test_quit_after_m_in_a_cnn_saves_and_the_next_start_reopens_it(qtbot, window, tmp_path):
    """The issue's walk: the tiny CNN, M 3 ] M, Ctrl+Q; the next start opens the same event."""
    from PySide6.QtCore import Qt

    from app.explainer.window import ExplainerWindow

    w = window
    assert w.open_network(str(PRESET_DIR / "cnn_tiny_digits.json"))
    for key in (Qt.Key.Key_M, Qt.Key.Key_3, Qt.Key.Key_BracketRight, Qt.Key.Key_M):
        qtbot.keyClick(w, key)
    ex = w.explainer
    t, i, sym = ex.current.t, ex.event_index, ex.event.symbol
    assert ex.event.phase == "backward"
    w.qactions["quit"].trigger()
    assert w.last_error == ""
    w2 = ExplainerWindow(w.settings_dir, restore=True)
    qtbot.addWidget(w2)
    assert w2.explainer.source.endswith("cnn_tiny_digits.json")
    assert (w2.explainer.current.t, w2.explainer.event_index) == (t, i)
    assert w2.explainer.event.symbol == sym
    w2.close()


def test_a_batch_norms_running_statistics_survive_a_session(tmp_path):
    ex, again = Explainer(), Explainer()
    assert ex.load_file(PRESET_DIR / "batchnorm_relu.json")
    for _ in range(3):
        ex.next_training_step()
    path = tmp_path / "s.json"
    save_session(ex, path)
    assert again.open_session(path)
    mine, theirs = ex.current.before.stats[1], again.current.before.stats[1]
    assert mine.mean.tolist() != [0.0] * 3  # moved by the steps before
    np.testing.assert_allclose(theirs.mean, mine.mean, rtol=1e-15)
    np.testing.assert_allclose(theirs.var, mine.var, rtol=1e-15)
    ex.stop_training()
    again.stop_training()


@pytest.mark.parametrize("preset", ["mazur_2_2_2.json", "batchnorm_relu.json"])
def test_a_restored_session_of_a_trained_preset_names_the_preset(qtbot, window, preset):
    """Three training steps on a preset, quit, start: the box said "changed: …", since the
    session holds the weights of step 4; it names the preset, as before the quit. A session
    whose network is no longer the preset's (another η) says "changed" though the file
    claims it is."""
    from app.explainer.window import ExplainerWindow

    w = window
    assert w.open_network(str(PRESET_DIR / preset))
    for _ in range(3):
        w.explainer.next_training_step()
    named = w.data_panel.presets.currentText()
    assert "changed" not in named
    w.qactions["quit"].trigger()
    last = w.settings_dir / "last_session.json"
    assert json.loads(last.read_text())["from_preset"] is True
    w2 = ExplainerWindow(w.settings_dir, restore=True)
    qtbot.addWidget(w2)
    assert w2.explainer.current.t == 4 and w2.data_panel.presets.currentText() == named
    w2.close()  # saved again from the restored one: still the preset's
    assert json.loads(last.read_text())["from_preset"] is True
    d = json.loads(last.read_text())
    d["network"]["optimizer"]["lr"] *= 2  # another network (its η), the claim kept
    last.write_text(json.dumps(d))
    w3 = ExplainerWindow(w.settings_dir, restore=True)
    qtbot.addWidget(w3)
    assert (
        w3.last_error == ""
        and w3.explainer.net.model.sizes[1] == d["network"]["layers"][1]["units"]
    )
    assert w3.data_panel.presets.currentText().startswith("changed: ")
    w3.close()


def test_a_network_not_from_a_preset_is_not_read_again_at_quit(tmp_path, monkeypatch):
    """Whether a session is its preset's, trained, is asked of presets only: a digit's network
    file (471,880 events a step) was read and normalised whole at every quit, 100 MB at peak."""
    from app.explainer import data_panel

    src = tmp_path / "mine.json"
    src.write_text((Path(PRESET_DIR) / "xor_2_2_1.json").read_text())
    ex = Explainer()
    assert ex.load_file(src)
    monkeypatch.setattr(data_panel, "is_unchanged_preset", _read_at_quit)
    assert session_dict(ex)["from_preset"] is False


def _read_at_quit(*_):
    raise AssertionError("the source file was read again")


@pytest.mark.parametrize("steps", [0, 2])
def test_a_weight_edited_on_the_drawing_makes_the_preset_changed(qtbot, window, steps):
    """A weight changed on the drawing (at step 1 or later) is no longer the preset: the box said
    the preset's name. It says "changed: …", the session saved at quit says it too, and opening
    the preset again names it plain."""
    from app.explainer.window import ExplainerWindow

    w, box = window, window.data_panel.presets
    assert w.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    for _ in range(steps):
        w.explainer.next_training_step()
    plain_name = box.currentText()
    assert "changed" not in plain_name
    old = float(w.explainer.current.before.params[0][0][0, 0])
    w.explainer.edit_parameter(1, "weights", (0, 0), old + 0.5)
    assert box.currentText() == f"changed: {plain_name}"
    assert session_dict(w.explainer)["from_preset"] is False
    assert not w.open_network(str(PRESET_DIR / "missing.json"))  # a refusal keeps the word
    assert box.currentText() == f"changed: {plain_name}"
    w.qactions["quit"].trigger()
    w2 = ExplainerWindow(w.settings_dir, restore=True)
    qtbot.addWidget(w2)
    assert w2.data_panel.presets.currentText() == f"changed: {plain_name}"
    assert w2.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    assert w2.data_panel.presets.currentText() == plain_name
    w2.close()
