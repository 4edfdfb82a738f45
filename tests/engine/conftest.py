import pytest


@pytest.fixture
def private_run_store(private_user_folders):
    """The test's own run store (tests/conftest.py points $BACKPROP_STUDIO_RUNS at it)."""
    return private_user_folders
