"""The trainer window and the standard keys: Quit in both windows from the one action table,
quitting during a run, a running run in the Runs list, a dead writer shown as interrupted, the
window's geometry restored, and the offline download said in one sentence."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from PySide6.QtCore import QPoint, QSize, Qt

from engine.torch_engine.pids import process_start_time
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.training import TrainConfig
from tests.app.test_trainer_window import RUN_TIMEOUT_MS, data_dir, make_trainer, small_run
from tests.children import job_children

__all__ = ["data_dir", "make_trainer"]  # fixtures shared with test_trainer_window


def _quit_actions(table):
    return [a for a in table if a.name == "quit"]


def test_quit_is_in_both_windows_file_menu_from_the_one_table(make_trainer, qtbot, tmp_path):
    from app.explainer.window import ExplainerWindow

    w = make_trainer()
    e = ExplainerWindow(tmp_path / "settings-e", restore=False)
    qtbot.addWidget(e)
    for win in (w, e):
        (a,) = _quit_actions(win.table)
        assert (a.title, a.menu, a.keys) == ("Quit", "File", ("Ctrl+Q",))
        (file_menu,) = [m.menu() for m in win.menuBar().actions() if m.text() == "&File"]
        assert win.qactions["quit"] in file_menu.actions()


def test_ctrl_q_during_a_run_stops_it_keeps_it_cancelled_and_leaves_no_process(
    qtbot, make_trainer, data_dir
):
    w = make_trainer(data_dir)
    small_run(w, epochs="200")
    w.run_button.click()
    qtbot.waitUntil(lambda: len(w.live.steps) > 1, timeout=RUN_TIMEOUT_MS)
    # the running run is in the list already, marked running, with its progress
    assert w.run_list.topLevelItemCount() == 1
    qtbot.waitUntil(lambda: "%" in w.run_list.topLevelItem(0).text(1), timeout=RUN_TIMEOUT_MS)
    assert w.run_list.topLevelItem(0).text(1).startswith("running · ")
    quits = []
    w.view_requested.connect(quits.append)
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == ["quit"] and not w.isVisible()
    assert job_children() == []
    (row,) = RunStore(w.store.path).runs()
    assert row.status == "cancelled"


def test_the_studio_closes_both_views_on_quit(qtbot, tmp_path):
    from app.main_window import Studio

    studio = Studio(tmp_path / "settings", restore=False, store=tmp_path / "runs.sqlite")
    t = studio.show("trainer")
    e = studio.view("explainer")
    qtbot.addWidget(t)
    qtbot.addWidget(e)
    e.show()
    t.qactions["quit"].trigger()
    assert not t.isVisible() and not e.isVisible()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_running_run_whose_process_is_gone_shows_as_interrupted(make_trainer, tmp_path):
    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    killed = store.create_run("killed", "train", TrainConfig())
    reused = store.create_run("pid reused", "train", TrainConfig())
    alive = store.create_run("alive", "train", TrainConfig())
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET pid = ? WHERE id = ?", (_dead_pid(), killed))
    started = process_start_time(os.getpid())
    # this process's id, but the run was made before this process started: another's id, reused
    db.execute(
        "UPDATE runs SET pid = ?, created = ? WHERE id = ?", (os.getpid(), started - 60, reused)
    )
    db.commit()
    db.close()
    w = make_trainer(store=path)
    status = {r.name: r.status for r in w.run_list.rows.values()}
    want = {"killed": "interrupted", "alive": "running"}
    if started is not None:
        want["pid reused"] = "interrupted"
    assert {k: status[k] for k in want} == want
    assert alive in w.run_list.rows and socket.gethostname()


def test_the_trainer_restores_its_window_geometry(make_trainer, qtbot):
    # the offscreen screen is 800 px wide, narrower than the window's least width: Qt fits a
    # restored window to its screen, so the height and the place are what can be compared
    w = make_trainer()
    w.resize(w.minimumWidth(), 555)
    w.move(0, 30)
    qtbot.waitUntil(lambda: w.size() == QSize(w.minimumWidth(), 555))
    w.close()
    again = make_trainer()
    assert again.height() == 555 and again.pos() == QPoint(0, 30)


def _offline(*args, **kw):
    raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))


def test_offline_download_says_one_sentence_with_details_behind_a_toggle(
    make_trainer, qtbot, tmp_path, monkeypatch
):
    from app.shared import errors

    monkeypatch.setattr(urllib.request, "urlopen", _offline)
    errors.set_log_dir(tmp_path / "log")
    try:
        w = make_trainer(tmp_path / "no-mnist")
        box = w.data
        assert box.download.isVisible() and not box.details_button.isVisible()
        box.download.click()
        qtbot.waitUntil(lambda: box._worker is None, timeout=20000)
        sentence = "No internet connection: none of the 3 MNIST mirrors could be reached"
        assert box.status.text() == sentence
        assert box.details_button.isVisible() and not box.details.isVisible()
        box.details_button.click()
        assert box.details.isVisible()
        lines = box.details.text().splitlines()
        assert len(lines) == 3 and all("Name or service not known" in x for x in lines)
        log = (tmp_path / "log" / errors.LOG_NAME).read_text()
        assert sentence in log and lines[0] in log
        assert not (tmp_path / "no-mnist").exists()  # nothing made for a failed download
    finally:
        errors.set_log_dir(None)


def _sha(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_no_export_or_saved_model_goes_over_the_run_store(make_trainer, data_dir, tmp_path):
    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    rid = store.create_run("a run", "train", TrainConfig())
    ck = tmp_path / "m.pt"
    ck.write_bytes(b"weights")
    store.finish(rid, "finished", {}, str(ck))
    w = make_trainer(data_dir, store=path)
    before = _sha(path)
    for do in (
        lambda: w.export_runs(str(path)),
        lambda: w.save_model(rid, str(path)),
        lambda: w.save_model(rid, str(ck)),  # the file it copies from
        lambda: w.export_plots("png", str(path)),
    ):
        w.last_error = ""
        do()
        assert "choose another file" in w.last_error, w.last_error
        assert "\n" not in w.last_error
    assert _sha(path) == before and ck.read_bytes() == b"weights"


def test_loading_a_checkpoint_of_another_model_kind_is_one_sentence(make_trainer, tmp_path):
    from tests.engine.test_nothing_stray import _other_kind

    w = make_trainer()
    path = _other_kind(tmp_path)
    w.load_model(str(path))
    assert "says it holds a lenet model" in w.last_error and "do not fit" in w.last_error
    assert "Missing key" not in w.last_error and w.store.runs() == []


@pytest.mark.parametrize(
    "case, why",
    [
        ("garbage", "not an MNIST IDX file"),
        ("truncated", "truncated"),
        ("wrong count", "images in"),
        ("fifo", "pipe"),
        ("not gzip", "not a valid gzip"),
    ],
)
def test_a_bad_idx_folder_is_said_when_chosen(case, why, make_trainer, tmp_path):
    from tests.engine.mnist_fixtures import idx_bytes, synthetic_digits, write_mnist

    folder = write_mnist(tmp_path / "mnist", n_train=60, n_test=20, gz=False)
    target = folder / "train-images-idx3-ubyte"
    if case == "garbage":
        target.write_bytes(b"\x00garbage" * 500)
    elif case == "truncated":
        target.write_bytes(target.read_bytes()[:-100])
    elif case == "wrong count":
        target.write_bytes(idx_bytes(synthetic_digits(50)[0]))
    elif case == "fifo":
        target.unlink()
        os.mkfifo(target)
    else:
        target.unlink()
        (folder / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b" + b"x" * 100)
    w = make_trainer(tmp_path / "elsewhere")
    w.data.set_folder(folder)
    assert not w.data.present and why in w.data.status.text(), w.data.status.text()
    good = write_mnist(tmp_path / "good", n_train=60, n_test=20)
    w.data.set_folder(good)
    assert w.data.present and "present" in w.data.status.text()


def _finished(store, name, group=None, label=None) -> int:
    rid = store.create_run(name, "train", TrainConfig(), group, label)
    store.finish(rid, "finished", {})
    return rid


def test_after_transfer_ticks_its_own_runs_not_the_newest_group(make_trainer, tmp_path):
    from engine.torch_engine.jobs import Job

    store = RunStore(tmp_path / "runs.sqlite")
    own = [_finished(store, n, "g1", n) for n in ("pretrain 0–4", "transfer 5–9", "scratch 5–9")]
    _finished(store, "another process's", "g2", "scratch 5–9")  # newer, same labels
    w = make_trainer()
    w.refresh_runs()
    w.job, w.job_run_ids = Job("transfer", TrainConfig(), None), own
    w.insides_link.after_transfer()
    assert sorted(w.run_list.ticked()) == own[1:]


def test_compare_reads_a_finished_run_once(make_trainer, tmp_path, monkeypatch):
    store = RunStore(tmp_path / "runs.sqlite")
    ids = [_finished(store, f"run {i}") for i in range(3)]
    w = make_trainer()
    reads = []
    original = w.store.records
    monkeypatch.setattr(
        w.store, "records", lambda rid, kinds=None: reads.append(rid) or original(rid, kinds)
    )
    w.refresh_runs()
    w.run_list.set_ticked(ids)
    for _ in range(5):
        w.refresh_runs()
    assert sorted(reads) == ids  # each once, however often the list is refreshed


def test_the_drawing_pads_saliency_runs_off_the_gui_thread(qtbot, monkeypatch):
    import threading

    import numpy as np

    from app.trainer.insides import draw_view
    from engine.torch_engine.models import ModelConfig, build_model

    threads = []
    real = draw_view.saliency
    monkeypatch.setattr(
        draw_view,
        "saliency",
        lambda m, img: threads.append(threading.current_thread()) or real(m, img),
    )
    view = draw_view.DrawView()
    qtbot.addWidget(view)
    view.model = build_model(ModelConfig("mlp", hidden=(16,))).eval()
    ink = np.zeros((draw_view.PAD, draw_view.PAD), np.float32)
    ink[40:150, 90:110] = 1.0  # a "1"
    view.pad.setImage(ink, levels=(0, 1))
    view.update_prediction()
    qtbot.waitUntil(lambda: "the model says" in view.answer.text(), timeout=10000)
    assert threads and threads[0] is not threading.main_thread()
    assert view.probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_an_idle_window_notices_when_a_runs_process_dies(make_trainer, qtbot, tmp_path):
    import sqlite3

    path = tmp_path / "runs.sqlite"
    rid = RunStore(path).create_run("from the command line", "train", TrainConfig())
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        db = sqlite3.connect(path)
        db.execute(
            "UPDATE runs SET pid = ?, created = ? WHERE id = ?", (proc.pid, time.time(), rid)
        )
        db.commit()
        db.close()
        w = make_trainer(store=path)
        assert w.run_list.rows[rid].status == "running"
    finally:
        proc.kill()
        proc.wait()
    qtbot.waitUntil(lambda: w.run_list.rows[rid].status == "interrupted", timeout=15000)


def test_closing_in_lecturer_mode_restores_the_normal_window_next_time(make_trainer, qtbot):
    w = make_trainer()
    w.resize(w.minimumWidth(), 555)
    qtbot.waitUntil(lambda: w.size() == QSize(w.minimumWidth(), 555))
    w.set_lecturer(True)
    w.close()
    again = make_trainer()
    assert not again.isFullScreen() and again.height() == 555


def test_loading_a_runs_own_checkpoint_selects_that_run_instead_of_a_second_row(
    make_trainer, tmp_path
):
    from engine.torch_engine.checkpoint import save_checkpoint
    from engine.torch_engine.models import ModelConfig, build_model

    w = make_trainer()
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(8,)))
    own = w.store.checkpoint_dir / "run-1.pt"
    own.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(own, build_model(cfg.model), cfg, {"test_accuracy": 0.5})
    rid = w.store.create_run("trained here", "train", cfg)
    w.store.finish(rid, "finished", {"test_accuracy": 0.5}, str(own))
    w.refresh_runs()
    w.load_model(str(own))
    assert [r.id for r in w.store.runs()] == [rid]  # no second row on the same file
    assert w.run_list.selected_ids() == [rid]
    assert "already in the run list" in w.statusBar().currentMessage() or "already" in (
        w.statusBar().toolTip()
    )
    outside = tmp_path / "shared.pt"
    save_checkpoint(outside, build_model(cfg.model), cfg, {"test_accuracy": 0.5})
    w.load_model(str(outside))
    w.load_model(str(tmp_path / "." / "shared.pt"))  # the same file by another spelling
    loaded = [r for r in w.store.runs() if r.id != rid]
    assert len(loaded) == 1 and loaded[0].name == "shared (loaded)"
    assert w.run_list.selected_ids() == [loaded[0].id]
    w.store.delete(loaded[0].id)  # its row goes; the user's file stays (not the store's)
    assert outside.exists() and own.exists()


def test_a_long_status_message_ends_in_an_ellipsis_before_the_progress_words(make_trainer):
    w = make_trainer()
    w.resize(900, 600)
    long = "the run diverged at step 12: the loss became inf; " + "lower the learning rate " * 8
    w.say(long)
    shown = w.statusBar().currentMessage()
    assert shown.endswith("…") and len(shown) < len(long) and w.statusBar().toolTip() == long
    metrics = w.statusBar().fontMetrics()
    room = w.statusBar().width() - w.progress.width() - w.progress_label.sizeHint().width()
    assert metrics.horizontalAdvance(shown) <= room
    w.say("run finished")
    assert w.statusBar().currentMessage() == "run finished"  # a short one stays whole


def test_a_view_shown_in_the_others_place_stays_within_the_screen(qtbot, tmp_path):
    """The trainer takes the explainer's place and size, but not beyond the screen: an explainer
    801 px tall on a 768 px screen opened the trainer 823 px tall."""
    from app.main_window import Studio

    studio = Studio(tmp_path / "settings", restore=False, store=tmp_path / "runs.sqlite")
    e = studio.show("explainer")
    qtbot.addWidget(e)
    room = e.screen().availableGeometry()
    e.setMinimumSize(0, 0)
    e.setGeometry(room.x(), room.y(), room.width() // 2, room.height() + 60)
    t = studio.show("trainer")
    qtbot.addWidget(t)
    assert t.height() <= room.height()  # (its width: its own least on the test's narrow screen)
