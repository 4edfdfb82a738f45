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
