import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path, monkeypatch):
    """No test reads or writes the user's files: the run store, the lesson progress, the settings
    and the data folder (where the trainer looks for MNIST) are the test's own. A test that wants
    another sets its own. (The cache folder stays: the font cache lives there.)"""
    home = tmp_path / "user"
    monkeypatch.setenv("BACKPROP_STUDIO_RUNS", str(tmp_path / "runs.sqlite"))
    monkeypatch.setenv("BACKPROP_STUDIO_LESSONS", str(home / "lessons.json"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    return tmp_path / "runs.sqlite"
