"""Validate, then switch, in every path that can replace what the explainer shows: a 102-layer
network (100 hidden layers of 100 units) is refused with "layers: 102 layers; the limit is 32" and
the window's state is bit-identical afterwards: the parameters and optimizer state of every kept
step, the step list, the position, the loss history, the source and the chosen sample. Paths:
Open network file, a preset, a session, Apply in the editor, a CSV, a built-in dataset, a weight
and a bias edit, a digit sent from the trainer, and a network named on the command line."""

import hashlib
import json
from pathlib import Path

import pytest

from app.explainer.data_panel import PRESET_DIR
from app.explainer.session import save_session, session_dict

XOR = str(PRESET_DIR / "xor_2_2_1.json")
REFUSAL = "layers: 102 layers; the limit is 32"


def deep(hidden: int = 100, units: int = 100) -> dict:
    layers = [{"units": 2}] + [{"units": units, "activation": "tanh"}] * hidden
    return {
        "layers": [*layers, {"units": 1, "activation": "sigmoid"}],
        "loss": "bce",
        "optimizer": {"name": "adam", "lr": 0.01},
        "data": {"dataset": "xor"},
    }


def snapshot(ex) -> tuple:
    """Everything the window's state is made of, the arrays as a digest of their bytes."""
    h = hashlib.sha256()
    for r in ex.history:
        for state in (r.before, r.after):
            for (W, b), (sw, sb) in zip(state.params, state.opt_state, strict=True):
                h.update(W.tobytes() + b.tobytes())
                for part in (sw, sb):
                    for k in sorted(part):
                        h.update(k.encode() + part[k].tobytes())
        h.update(repr((r.t, r.rows, r.loss)).encode())
    return (
        h.hexdigest(),
        id(ex.net),
        tuple(id(r) for r in ex.history),
        ex.step_index,
        ex.event_index,
        tuple(ex.loss_t),
        tuple(float(v).hex() for v in ex.loss_v),
        ex.source,
        ex.sample,
    )


def settle(w, preset: str = XOR) -> tuple:
    """A preset, three steps on, back one step, a sample chosen, a few events in."""
    ex = w.explainer
    assert w.open_network(preset), w.last_error
    for _ in range(3):
        ex.next_training_step()
    ex.goto(1, 0)
    assert ex.set_sample(1)
    for _ in range(3):
        ex.next()
    w.last_error = ""
    return snapshot(ex)


@pytest.fixture
def deep_file(tmp_path) -> Path:
    p = tmp_path / "deep.json"
    p.write_text(json.dumps(deep()))
    return p


def test_opening_a_102_layer_file_is_refused_and_changes_nothing(window, deep_file):
    before = settle(window)
    assert not window.open_network(str(deep_file))
    assert REFUSAL in window.last_error
    assert snapshot(window.explainer) == before


def test_a_refused_preset_changes_nothing(window, deep_file):
    before = settle(window)
    box = window.data_panel.presets
    shown = box.currentText()
    box.setItemData(1, str(deep_file))  # a preset that became unreadable: chosen in the box
    box.setCurrentIndex(1)
    box.activated.emit(1)
    assert REFUSAL in window.last_error
    assert snapshot(window.explainer) == before
    assert box.currentText() == shown  # the box names what is shown, not the refused preset


def test_a_refused_session_changes_nothing(window, tmp_path):
    before = settle(window)
    d = json.loads(json.dumps(session_dict(window.explainer)))
    d["network"]["layers"] = deep()["layers"]
    p = tmp_path / "s.json"
    p.write_text(json.dumps(d))
    assert not window.open_session(p)
    assert REFUSAL in window.last_error
    assert snapshot(window.explainer) == before


@pytest.mark.parametrize("keep", [True, False])
def test_a_refused_editor_apply_changes_nothing(window, keep):
    before = settle(window)
    d = window.editor.to_dict()
    d["layers"] = deep()["layers"]
    window.apply_editor(d, keep=keep)
    assert REFUSAL in window.editor.message.text()
    assert snapshot(window.explainer) == before


def test_refused_data_changes_nothing(window, tmp_path):
    before = settle(window)
    p = tmp_path / "d.csv"
    p.write_text("a,b,y\n1,2,0\n1,nan,1\n")
    assert not window.explainer.import_csv(p)
    assert snapshot(window.explainer) == before
    assert not window.explainer.use_dataset("no such dataset")
    assert snapshot(window.explainer) == before


def test_refused_weight_and_bias_edits_change_nothing(window):
    before = settle(window, str(PRESET_DIR / "square_x1x2.json"))  # g(z) = z²: it overflows
    ex = window.explainer
    ex.edit_parameter(1, "weights", (0, 0), float("nan"))  # ignored
    ex.edit_parameter(1, "weights", (0, 0), 1e308)  # its step is not finite: refused
    assert "would not be finite" in window.last_error
    window.last_error = ""
    ex.edit_parameter(2, "bias", (0,), float("inf"))
    assert snapshot(ex) == before


def test_a_refused_digit_from_the_trainer_changes_nothing(qtbot, tmp_path, deep_file):
    from app.main_window import Studio

    studio = Studio(tmp_path / "settings", restore=False, store=tmp_path / "runs.sqlite")
    w = studio.show("explainer")
    qtbot.addWidget(w)
    before = settle(w)
    studio.open_in_explainer(str(deep_file))  # what the trainer's "Step through" emits
    assert REFUSAL in w.last_error
    assert snapshot(w.explainer) == before
    studio.close_all()


def test_a_refused_network_on_the_command_line_keeps_the_last_session(qtbot, tmp_path, deep_file):
    """`backprop-studio gui deep.json`: the refusal is shown and the last session stays, on the
    screen and in its file (before, the default preset replaced both)."""
    from app.main import open_views
    from app.main_window import Studio

    settings = tmp_path / "settings"
    first = Studio(settings, store=tmp_path / "runs.sqlite")
    w = open_views(first, "explainer", None)
    qtbot.addWidget(w)
    settle(w)
    saved = session_dict(w.explainer)
    first.close_all()  # writes last_session.json
    last = settings / "last_session.json"
    on_disk = last.read_bytes()

    second = Studio(settings, store=tmp_path / "runs.sqlite")
    w2 = open_views(second, "explainer", str(deep_file))
    qtbot.addWidget(w2)
    assert REFUSAL in w2.last_error
    assert session_dict(w2.explainer) == saved
    second.close_all()
    assert json.loads(last.read_bytes()) == json.loads(on_disk)


def test_a_good_network_on_the_command_line_still_opens(qtbot, tmp_path):
    from app.main import open_views
    from app.main_window import Studio

    studio = Studio(tmp_path / "settings", store=tmp_path / "runs.sqlite")
    w = open_views(studio, "explainer", XOR)
    qtbot.addWidget(w)
    assert w.explainer.source == XOR and w.explainer.net.model.sizes == (2, 2, 1)
    studio.close_all()


def test_a_31_hidden_layer_network_opens(window, tmp_path):
    """The limit itself is allowed: 32 layers with the input (the refusal is not of depth)."""
    p = tmp_path / "d32.json"
    p.write_text(json.dumps(deep(hidden=30, units=8)))
    assert window.open_network(str(p)), window.last_error
    save_session(window.explainer, tmp_path / "s.json")


def test_a_refused_dataset_leaves_the_dataset_box_as_it_was(window):
    """A CNN learns from its own images: choosing 'xor' in the box is refused, and the box goes
    back to what is in use instead of naming data the network does not have."""
    assert window.open_network(str(PRESET_DIR / "cnn_tiny_digits.json"))
    box = window.data_panel.datasets
    assert box.currentIndex() == 0
    before = snapshot(window.explainer)
    box.setCurrentIndex(box.findData("xor"))
    box.activated.emit(box.currentIndex())  # as a click on the item does
    assert "image layers" in window.last_error
    assert box.currentIndex() == 0 and snapshot(window.explainer) == before
    assert window.open_network(XOR)
    box.setCurrentIndex(box.findData("moons"))
    box.activated.emit(box.currentIndex())
    assert window.explainer.net.data.name.startswith("moons") and box.currentText() == "moons"
    assert window.open_network(XOR) and box.currentText() == "xor"  # what its file names
