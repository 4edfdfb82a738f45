import pytest


@pytest.fixture(autouse=True)
def private_run_store(tmp_path, monkeypatch):
    """Every test records its runs in its own store, never in the user's."""
    monkeypatch.setenv("BACKPROP_STUDIO_RUNS", str(tmp_path / "runs.sqlite"))
    return tmp_path / "runs.sqlite"
