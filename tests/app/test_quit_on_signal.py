"""A logout, a shutdown or a closed terminal (SIGTERM, SIGHUP) quits the app as File → Quit
does: the session is saved (it was killed, and the next start went back to the last quit's)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
QTimer.singleShot(300, lambda: Path(sys.argv[1]).write_text("up"))
from app.main import run_gui
sys.exit(run_gui())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_app_saves_its_session(tmp_path, sig):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(Path(__file__).parents[2])}  # fmt: skip
    up = tmp_path / "up"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(up)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not up.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert up.exists(), proc.stdout.read().decode() if proc.poll() is not None else "slow"
        proc.send_signal(sig)
        out = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert (tmp_path / "config" / "backprop-studio" / "last_session.json").exists()
    assert "Traceback" not in out and "leaked semaphore" not in out, out


LECTURE_THEN_QUIT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
def lecture():
    w = next(x for x in app.topLevelWidgets() if x.isVisible() and hasattr(x, "lessons"))
    w.set_lecturer(True)
    QTimer.singleShot(500, app.quit)
QTimer.singleShot(300, lecture)
from app.main import run_gui
sys.exit(run_gui())
"""


@pytest.mark.parametrize("attempt", range(5))
def test_quitting_after_lecturer_mode_ends_cleanly(tmp_path, attempt):
    """Half of the quits after lecturer mode died of a segmentation fault (exit status 139)
    after the session was saved: the Landscape panel's plots, restyled for the wall while
    hidden, were destroyed while Python finalized (app/main.clear_plot_scenes). Five tries: with
    the fault, one to three of them failed in each run of the five."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(Path(__file__).parents[2])}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", LECTURE_THEN_QUIT], env=env, timeout=120,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 0, out
    assert (tmp_path / "config" / "backprop-studio" / "last_session.json").exists()
    assert "Traceback" not in out and "Fatal" not in out, out
