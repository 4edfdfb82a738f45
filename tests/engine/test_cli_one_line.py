"""A refusal is one line, whatever the input holds, and a window command without a display says
so before Qt (which aborted with exit 134 and six lines of its own)."""

from __future__ import annotations

import sys

import pytest

from .test_hostile_torch import cli, refused


def test_a_key_or_a_file_name_with_newlines_or_escapes_is_still_one_line(tmp_path, capsys):
    net = tmp_path / "nk.json"
    net.write_text('{"layers": [{"units": 2}, {"units": 1}], "bad\\nkey\\u001b[31m": 1}')
    line = refused(cli(capsys, "trace", net), r"bad\\nkey\\x1b\[31m: unknown key")
    assert "\x1b" not in line
    refused(cli(capsys, "trace", tmp_path / "no\nsuch.json"), r"no such file: .*no\\nsuch\.json")


@pytest.fixture
def no_display(monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")


@pytest.mark.parametrize(
    "args",
    [("gui",), (), ("trainer",), ("lesson", "run", "assets/lessons/01_perceptron.json")],
)
def test_a_window_without_a_display_is_one_sentence(no_display, capsys, args, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).parents[2])
    refused(cli(capsys, *args), "no display to open a window on")


def test_a_window_commands_missing_file_or_folder_is_named_before_any_window(capsys, tmp_path):
    refused(cli(capsys, "gui", tmp_path / "missing.json"), "no such file: .*missing.json")
    refused(cli(capsys, "trainer", "--data", tmp_path / "nope"), "--data: the folder .*nope")


def test_an_empty_run_store_file_reads_as_no_runs_yet(tmp_path, capsys):
    """A 0-byte file (made by `touch`) said "no such table: runs"."""
    db = tmp_path / "runs.sqlite"
    db.touch()
    rc, out, err = cli(capsys, "runs", "--runs-db", db)
    assert rc == 0 and "no runs recorded yet" in out and err == ""
    assert db.stat().st_size == 0  # reading made nothing


def test_a_landscape_seed_out_of_range_is_named(capsys):
    from pathlib import Path

    net = Path(__file__).parents[2] / "assets" / "presets" / "xor_2_2_1.json"
    for seed in ("-1", str(2**32)):
        refused(cli(capsys, "landscape", net, "--plane", "random", "--seed", seed),
                "--seed: a whole number from 0 to 4,294,967,295")  # fmt: skip
