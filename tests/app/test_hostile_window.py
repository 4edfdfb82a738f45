"""Hostile input to the explainer window: every refused load leaves the window exactly as it was
(the same network object, step and event index), sets `last_error` to one plain sentence, and
the window keeps working; nothing reaches Qt's event loop. One parametrised test per category:
network files, sessions, CSV imports, the editor's settings. Then divergence while stepping, the
last-resort handler, and a 2-500-500-1 network's key presses and gradient check."""

import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.explainer.data_panel import PRESET_DIR
from app.explainer.session import session_dict
from app.shared import errors

XOR = str(PRESET_DIR / "xor_2_2_1.json")
XOR_DICT = json.loads(Path(XOR).read_text())
BIG = {
    "layers": [
        {"units": 2},
        {"units": 500, "activation": "tanh"},
        {"units": 500, "activation": "tanh"},
        {"units": 1, "activation": "sigmoid"},
    ],
    "loss": "bce",
    "optimizer": {"name": "adam", "lr": 0.01},
    "data": {"dataset": "spiral"},
}


@pytest.fixture(autouse=True)
def log_here(tmp_path):
    errors.set_log_dir(tmp_path / "log")
    yield
    errors.set_log_dir(None)


@pytest.fixture(scope="module")
def win(qapp, tmp_path_factory):
    """One window for a whole category: a refused load must not damage it for the next one."""
    from app.explainer.window import ExplainerWindow

    w = ExplainerWindow(tmp_path_factory.mktemp("settings"), restore=False)
    w.show()
    yield w
    w.close()
    w.deleteLater()


def fresh(w, path=XOR, steps=2):
    for d in w.dialogs:
        d.close()
    w.dialogs.clear()
    assert w.open_network(path), w.last_error
    for _ in range(steps):
        w.explainer.next_training_step()
    w.explainer.goto(w.explainer.step_index, 3)
    w.last_error = ""
    ex = w.explainer
    return ex.net, ex.current, ex.step_index, ex.event_index, len(ex.history), list(ex.loss_t)


def assert_unchanged_and_told(w, before, fragment=""):
    ex = w.explainer
    now = ex.net, ex.current, ex.step_index, ex.event_index, len(ex.history), list(ex.loss_t)
    assert now[0] is before[0] and now[1] is before[1]
    assert now[2:] == before[2:]
    assert w.last_error and "\n" not in w.last_error and "Traceback" not in w.last_error
    assert fragment.lower() in w.last_error.lower(), w.last_error
    ex.next()  # and the window still works: stepping, a step, the plots
    ex.next_training_step()
    w._plots_dirty = True
    w._redraw_plots()


def _xor(**top):
    d = json.loads(json.dumps(XOR_DICT))
    d.update(top)
    return json.dumps(d)


NETWORK_FILES = {
    "units 10^9 (MemoryError before)": (
        _xor(layers=[{"units": 2}, {"units": 10**9}, {"units": 1}]),
        "at most",
    ),
    "100k nested brackets": ("[" * 100_000, "nested"),
    "huge integer": ('{"layers": [{"units": 1' + "0" * 400 + "}]}", "digits"),
    "NaN": ('{"layers": [{"units": NaN}]}', "NaN"),
    "shuffle 'no'": (_xor(training={"shuffle": "no"}), "true or false"),
    "beta1 for sgd": (_xor(optimizer={"name": "sgd", "beta1": 0.9}), "beta1"),
    "bce target 5": (
        _xor(loss="bce", data={"inputs": [[0, 0], [1, 1]], "targets": [[5], [0]]}),
        "between 0 and 1",
    ),
    "no data": (json.dumps({"layers": [{"units": 2}, {"units": 1}]}), "no data"),
    "empty": ("", "not valid JSON"),
    "first step not finite": (
        _xor(
            layers=[
                {"units": 2},
                {"units": 2, "weights": [[1e308, 1e308], [1e308, 1e308]]},
                {"units": 1, "weights": [[1e308, 1e308]]},
            ]
        ),
        "not finite",
    ),
    "a folder": (None, "folder"),
    "a FIFO": ("fifo", "FIFO"),
    "/dev/zero": ("/dev/zero", "device"),
    "a CSV cell of 140k characters": ("longcsv", "field limit"),
}


@pytest.mark.parametrize("case", list(NETWORK_FILES))
def test_hostile_network_files_leave_the_window_as_it_was(win, case, tmp_path):
    content, fragment = NETWORK_FILES[case]
    before = fresh(win)
    p = tmp_path / "net.json"
    if content is None:
        p = tmp_path
    elif content == "fifo":
        os.mkfifo(p)
    elif content == "/dev/zero":
        p = Path(content)
    elif content == "longcsv":
        (tmp_path / "d.csv").write_text("a,b,y\n" + "1" * 140_000 + ",1,0\n")
        p.write_text(_xor(data={"csv": "d.csv"}))
    else:
        p.write_text(content)
    assert not win.open_network(str(p))
    assert_unchanged_and_told(win, before, fragment)


def _session(win, tmp_path, preset=XOR, steps=2) -> dict:
    fresh(win, preset, steps)
    return json.loads(json.dumps(session_dict(win.explainer)))


def _set(path, value):
    def change(d):
        *head, last = path
        for k in head:
            d = d[k]
        d[last] = value(d) if callable(value) else value

    return change


MUTATIONS = {
    "adadelta without s": lambda d: d["opt_state"][0][0].pop("s"),
    "uneven losses": _set(["losses"], [[1, 2, 3], [0.5]]),
    "losses as text": _set(["losses"], "lots"),
    "losses with text": _set(["losses"], [[1, 2], [0.5, "low"]]),
    "losses going back": _set(["losses"], [[2, 1], [0.5, 0.4]]),
    "event index too large": _set(["event_index"], 10**6),
    "event index negative": _set(["event_index"], -1),
    "event index 1.5": _set(["event_index"], 1.5),
    "t as text": _set(["t"], "three"),
    "t negative": _set(["t"], -4),
    "opt state wrong shape": _set(["opt_state", 0, 0, "s"], [[0.0]]),
    "opt state extra name": _set(["opt_state", 0, 0, "m"], [[0.0]]),
    "opt state infinite": _set(["opt_state", 0, 1, "d"], lambda part: [1e400] * len(part["d"])),
    "unknown key": _set(["extra"], 1),
    "wrong format": _set(["format"], "something-else/9"),
    "task nonsense": _set(["task"], "dreaming"),
    "targets do not fit": _set(["network", "data", "targets", 0], [7.0]),
    "weights not finite on the first step": lambda d: d["network"].update(  # L2 of 1e308 is inf
        regularization={"l1": 0.0, "l2": 0.01},
        layers=[
            d["network"]["layers"][0],
            {**d["network"]["layers"][1], "weights": [[1e308] * 2] * 3},
        ]
        + d["network"]["layers"][2:],
    ),
}


SESSIONS = {
    kind: fragment
    for kind, fragment in [
        ("adadelta without s", "opt_state[0][0].s"),
        ("uneven losses", "losses"),
        ("losses as text", "losses"),
        ("losses with text", "losses[1][1]"),
        ("losses going back", "increase"),
        ("event index too large", "event_index"),
        ("event index negative", "event_index"),
        ("event index 1.5", "event_index"),
        ("t as text", "t:"),
        ("t negative", "t:"),
        ("opt state wrong shape", "opt_state[0][0].s"),
        ("opt state extra name", "unknown key"),
        ("opt state infinite", "finite"),
        ("unknown key", "extra"),
        ("wrong format", "not a Backprop Studio session"),
        ("task nonsense", "task"),
        ("targets do not fit", "between 0 and 1"),
        ("weights not finite on the first step", "not finite"),
        ("nested 100k deep", "nested"),
        ("a FIFO", "FIFO"),
        ("a folder", "folder"),
        ("not JSON", "not valid JSON"),
    ]
}


@pytest.mark.parametrize("kind", list(SESSIONS))
def test_hostile_sessions_leave_the_window_as_it_was(win, kind, tmp_path):
    d = _session(win, tmp_path, str(PRESET_DIR / "blobs2_adadelta.json"))
    p = tmp_path / "s.json"
    if kind == "nested 100k deep":
        p.write_text('{"format": "backprop-studio-session/1", "t": ' + "[" * 100_000)
    elif kind == "a FIFO":
        os.mkfifo(p)
    elif kind == "a folder":
        p = tmp_path
    elif kind == "not JSON":
        p.write_text("{'format': 1}")
    else:
        MUTATIONS[kind](d)
        p.write_text(json.dumps(d))
    before = fresh(win)
    assert not win.open_session(p)
    assert_unchanged_and_told(win, before, SESSIONS[kind])


def test_a_session_from_before_strict_optimizers_still_opens(win, tmp_path):
    d = _session(win, tmp_path)
    d["network"]["optimizer"].update(momentum=0.9, beta1=0.9, beta2=0.999, rho=0.9)
    p = tmp_path / "old.json"
    p.write_text(json.dumps(d))
    fresh(win)
    assert win.open_session(p), win.last_error
    assert win.explainer.current.t == d["t"] + 1


CSVS = {
    "cell over csv's field limit": ("a,b,y\n" + "1" * 140_000 + ",1,0\n", "line 2"),
    "ragged": ("a,b,y\n1,2,0\n1\n", "line 3"),
    "text cell": ("a,b,y\n1,x,0\n", "not a number"),
    "empty": ("", "empty"),
    "a FIFO": (None, "FIFO"),
    "too many columns": (",".join(["1"] * 3000) + "\n", "columns"),
}


@pytest.mark.parametrize("case", list(CSVS))
def test_hostile_csv_imports_leave_the_window_as_it_was(win, case, tmp_path):
    content, fragment = CSVS[case]
    before = fresh(win)
    p = tmp_path / "d.csv"
    if content is None:
        os.mkfifo(p)
    else:
        p.write_text(content)
    assert not win.explainer.import_csv(p)
    assert_unchanged_and_told(win, before, fragment)


SETTINGS = {
    "shuffle 'no'": ({"training": {"shuffle": "no"}}, "true or false"),
    "beta1 for sgd": ({"optimizer": {"name": "sgd", "lr": 0.1, "beta1": 0.9}}, "beta1"),
    "lr NaN": ({"optimizer": {"name": "sgd", "lr": float("nan")}}, "finite"),
    "lr as text": ({"optimizer": {"name": "sgd", "lr": "0.1"}}, "expected a number"),
    "batch 2.5": ({"training": {"batch_size": 2.5}}, "whole number"),
    "units 10^9": ({"layers": [{"units": 2}, {"units": 10**9}, {"units": 1}]}, "at most"),
    "units 10^400": ({"layers": [{"units": 2}, {"units": 10**400}, {"units": 1}]}, "at most"),
    "units 10^5000": ({"layers": [{"units": 2}, {"units": 10**5000}, {"units": 1}]}, "digits"),
    "lr 10^5000": ({"optimizer": {"name": "sgd", "lr": 10**5000}}, "too large"),
    "seed 2^70": ({"init": {"seed": 2**70}}, "init.seed"),
}


@pytest.mark.parametrize("case", list(SETTINGS))
def test_hostile_editor_settings_leave_the_window_as_it_was(win, case):
    changes, fragment = SETTINGS[case]
    before = fresh(win)
    d = win.editor.to_dict()
    d.update(changes)
    win.apply_editor(d, keep=False)
    assert fragment.lower() in win.editor.message.text().lower()
    assert_unchanged_and_told(win, before, fragment)


def _diverging(tmp_path) -> str:
    d = json.loads((PRESET_DIR / "square_x1x2.json").read_text())
    d["optimizer"] = {"name": "sgd", "lr": 1e6}
    p = tmp_path / "div.json"
    p.write_text(json.dumps(d))
    return str(p)


def test_stepping_stops_at_divergence_and_stays_on_the_last_good_step(win, tmp_path):
    fresh(win, _diverging(tmp_path), steps=0)
    ex = win.explainer
    for _ in range(12):
        win.qactions["step"].trigger()  # N
    assert "diverged at step 6" in win.last_error
    last_good = ex.current
    assert last_good.t == 5 and np.isfinite(last_good.loss)
    assert all(np.isfinite(W).all() for W, _ in last_good.after.params)
    ex.end()
    win.last_error = ""
    win.qactions["next"].trigger()  # Space across the step boundary: the same guard
    assert "diverged at step 6" in win.last_error and ex.current is last_good


def test_an_exception_in_a_key_handler_is_shown_and_logged_not_raised(win):
    fresh(win)

    def broken():
        raise ZeroDivisionError("a bug")

    win.guard(broken)()  # what every action, button and timer of the window runs through
    assert "Something went wrong" in win.last_error and "ZeroDivisionError" in win.last_error
    log = errors.log_dir() / errors.LOG_NAME
    assert "ZeroDivisionError: a bug" in log.read_text() and str(log) in win.last_error


def test_the_last_resort_hook_logs_and_shows(win, monkeypatch):
    fresh(win)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    errors.install_excepthook()
    try:
        raise KeyError("s")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    assert "Something went wrong" in win.last_error and "KeyError" in win.last_error
    assert "KeyError: 's'" in (errors.log_dir() / errors.LOG_NAME).read_text()


def test_a_2_500_500_1_network_opens_steps_and_checks_its_gradients(window, qtbot, tmp_path):
    """What it costs is bench/big_net.py's to print (tests assert no wall-clock time): here it
    opens, its keys move through a step and to the next steps, and its gradient check runs in
    a worker on a sample of its parameters."""
    p = tmp_path / "big.json"
    p.write_text(json.dumps(BIG))
    assert window.open_network(str(p)), window.last_error
    ex = window.explainer
    for _ in range(20):
        ex.next()
    assert ex.event_index == 20
    ex.jump_phase("backward")
    assert ex.event.phase == "backward"
    for _ in range(3):
        ex.next_training_step()
    assert ex.current.t == 4
    window._plots_dirty = True
    window._redraw_plots()
    window.show_gradient_check()  # in a worker: the window keeps answering meanwhile
    dlg = window.dialogs[-1]
    qtbot.waitUntil(lambda: not dlg.running, timeout=30000)
    assert dlg.result.sampled and len(dlg.result.rows) == 5000
    assert "random sample of 5,000" in dlg.summary.text()


def test_a_gradient_check_can_be_cancelled(window, qtbot, tmp_path, monkeypatch):
    from engine.numpy_engine import gradcheck

    def slow(*a, **k):  # a check that would never end on its own
        while True:
            time.sleep(0.01)
            yield gradcheck.GradCheckProgress(1, 2)

    monkeypatch.setattr("app.explainer.gradcheck_dialog.gradient_check_steps", slow)
    window.open_network(XOR)
    window.show_gradient_check()
    dlg = window.dialogs[-1]
    qtbot.waitUntil(lambda: dlg.progress.maximum() == 2, timeout=5000)
    dlg.cancel()
    qtbot.waitUntil(lambda: not dlg.running, timeout=5000)
    assert "cancelled" in dlg.summary.text()


def test_a_failing_gradient_check_is_shown_not_raised(window, qtbot, monkeypatch):
    def broken(*a, **k):
        raise MemoryError
        yield

    monkeypatch.setattr("app.explainer.gradcheck_dialog.gradient_check_steps", broken)
    window.open_network(XOR)
    window.show_gradient_check()
    dlg = window.dialogs[-1]
    qtbot.waitUntil(lambda: not dlg.running, timeout=5000)
    assert "not enough memory" in window.last_error and "gradient check failed" in dlg.error
