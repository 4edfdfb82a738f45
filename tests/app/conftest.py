import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def no_thread_left_running():
    yield
    pool = QThreadPool.globalInstance()
    pool.waitForDone(3000)
    assert pool.activeThreadCount() == 0, "a worker thread was left running"


@pytest.fixture
def window(qtbot, tmp_path):
    from app.explainer.window import ExplainerWindow as MainWindow

    w = MainWindow(tmp_path / "settings", restore=False)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    yield w
    for top in QApplication.topLevelWidgets():  # an error box left open covers the next window
        if top.isVisible() and top is not w:
            top.close()


@pytest.fixture
def live(qtbot):
    """The trainer's live plots, alone, 1400 x 900, shown."""
    from app.trainer.live_plots import LivePlots

    p = LivePlots()
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    qtbot.waitExposed(p)
    return p
