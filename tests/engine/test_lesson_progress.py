"""Progress per lesson survives a restart (a new Progress on the same file), can be reset, and a
damaged file is read as no progress."""

from __future__ import annotations

import json

import pytest

from engine.lessons.progress import ENV_VAR, Progress, Record, default_path


def test_progress_survives_a_restart_and_can_be_reset(tmp_path):
    path = tmp_path / "sub" / "lessons.json"
    p = Progress(path)
    p.get("03_worked_example").step = 4
    p.answered("03_worked_example", 2, True)
    p.answered("03_worked_example", 3, False)
    p.answered("", -1, True)  # free stepping
    p.save()
    q = Progress(path)
    assert q.get("03_worked_example") == Record(step=4, right=1, asked=2, done=[2, 3])
    assert q.get("") == Record(right=1, asked=1)
    q.reset("03_worked_example")
    q.save()
    r = Progress(path)
    assert r.get("03_worked_example") == Record() and r.get("").asked == 1
    r.reset()
    r.save()
    assert json.loads(path.read_text()) == {}


@pytest.mark.parametrize(
    "content",
    ["", "{", "[]", "null", '{"a": 3}', '{"a": {"step": -1}}', '{"a": {"right": 5, "asked": 1}}',
     '{"a": {"step": true}}', '{"a": {"done": ["x"]}}', '{"a": {"step": 1e9}}', "x" * 3_000_000],
)  # fmt: skip
def test_a_damaged_file_is_no_progress(tmp_path, content):
    path = tmp_path / "lessons.json"
    path.write_text(content)
    p = Progress(path)
    assert p.get("a") == Record()
    p.save()  # and it is replaced by a good one
    assert json.loads(path.read_text()) == {"a": {"step": 0, "right": 0, "asked": 0, "done": []}}


def test_default_path_is_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "backprop-studio" / "lessons.json"
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "x.json"))
    assert default_path() == tmp_path / "x.json"
