"""Stepping into an exploded loss: with a learning rate of 1e6 on a tanh network (the sine
regression preset with SGD), pressing N used to go from a loss of 0.24 to 1e128 in ten steps
without a word. Now the exploding step is held and said in one sentence naming it, with a smaller
learning rate suggested; only asking for it again after that (the box closed, N again) takes it."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.explainer.data_panel import PRESET_DIR
from engine.numpy_engine.guard import EXPLODE_LOSS


@pytest.fixture
def exploding(tmp_path) -> str:
    d = json.loads((PRESET_DIR / "sine_regression.json").read_text())
    assert any(layer.get("activation") == "tanh" for layer in d["layers"])
    d["optimizer"] = {"name": "sgd", "lr": 1e6}
    p = tmp_path / "sine_lr_1e6.json"
    p.write_text(json.dumps(d))
    return str(p)


def boxes(w) -> list[QMessageBox]:
    return [b for b in w.findChildren(QMessageBox) if b.isVisible()]


def press_n(qtbot, w, times: int = 1) -> None:
    for _ in range(times):
        target = boxes(w)[-1] if boxes(w) else w  # a key goes to the box while it is open
        qtbot.keyClick(target, Qt.Key.Key_N)


def test_pressing_n_ten_times_at_lr_1e6_stops_at_the_explosion(window, qtbot, exploding):
    assert window.open_network(exploding), window.last_error
    ex = window.explainer
    window.activateWindow()
    window.controls.play.setChecked(True)
    press_n(qtbot, window, 10)
    assert [r.t for r in ex.history] == [1]  # step 2's loss (4.3e10) is held, not shown
    assert ex.loss_v[-1] < EXPLODE_LOSS
    text = window.last_error
    assert "The loss exploded at step 2" in text and "smaller learning rate" in text
    assert "press N again" in text and "\n" not in text
    assert len(boxes(window)) == 1  # said once, however often N was pressed
    assert not window.controls.play.isChecked()  # Play never steps past it

    # the deliberate choice: the box read and closed, then N again
    boxes(window)[0].accept()
    qtbot.waitUntil(lambda: not boxes(window))
    press_n(qtbot, window)
    assert ex.current.t == 2 and ex.current.loss > EXPLODE_LOSS
    press_n(qtbot, window, 3)  # on past the bound without asking again, as chosen
    assert ex.current.t == 5 and not boxes(window)


def test_a_new_network_asks_again_and_a_calm_loss_never_asks(window, exploding):
    ex = window.explainer
    assert window.open_network(exploding)
    ex.next_training_step()
    ex.next_training_step()  # asked twice: taken (the explainer's own deliberate path)
    assert ex.current.t == 2
    assert window.open_network(exploding)
    window.last_error = ""
    ex.next_training_step()
    assert ex.current.t == 1 and "step 2" in window.last_error
    assert window.open_network(str(PRESET_DIR / "sine_regression.json"))
    window.last_error = ""
    for _ in range(10):
        ex.next_training_step()
    assert ex.current.t == 11 and window.last_error == ""


def test_an_edit_after_the_message_asks_again(window, exploding):
    """The held step belongs to the state it came from: an edit makes a new one."""
    ex = window.explainer
    assert window.open_network(exploding)
    ex.next_training_step()
    assert ex.gate.held is not None
    ex.edit_parameter(1, "bias", (0,), 0.5)
    window.last_error = ""
    ex.next_training_step()
    assert ex.current.t == 1 and "step 2" in window.last_error


def test_training_stops_at_the_bound_where_it_was_and_stepping_on_asks(window, qtbot, tmp_path):
    """SGD at lr 0.3 on the sine regression trains for 13 steps, then its loss passes 1e6:
    training stops with its own sentence and the window shows step 14 (its before is training's
    last state, as before); the next N asks, the one after takes step 15."""
    d = json.loads((PRESET_DIR / "sine_regression.json").read_text())
    d["optimizer"] = {"name": "sgd", "lr": 0.3}
    p = tmp_path / "late.json"
    p.write_text(json.dumps(d))
    ex = window.explainer
    assert window.open_network(str(p))
    ex.start_training()
    qtbot.waitUntil(lambda: not ex.training, timeout=20000)
    assert "diverged at step 14" in window.last_error
    assert ex.current.t == 14 and ex.current.loss > EXPLODE_LOSS
    ex.next_training_step()
    assert "The loss exploded at step 15" in window.last_error and ex.current.t == 14
    ex.next_training_step()
    assert ex.current.t == 15
