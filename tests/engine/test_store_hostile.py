"""A run store changed by another program, read-only, locked or damaged: every run that can be
listed is listed, every refusal is one sentence naming the file, and nothing is written beside a
store this user cannot write. Damaged files of the user's are kept aside before they are written
over (engine.atomic.keep_aside)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from engine.torch_engine.runstore import RunStore, RunStoreError
from engine.torch_engine.training import TrainConfig

from .test_hostile_torch import cli, refused
from .test_nothing_stray import _store_with_a_run, sha, tree


@pytest.mark.parametrize("settings", ["{bad json", "[]", '{"epochs": "many", "lr": [1]}'])
def test_a_run_with_unreadable_settings_is_listed_and_refused_where_needed(
    tmp_path, capsys, settings
):
    """A run changed by another program had hidden every run (none could be deleted in the
    window) or stopped the trainer from starting (KeyError('model')). It is listed, says
    that its settings cannot be read, and is refused in one sentence where they are needed."""
    db = _store_with_a_run(tmp_path / "runs.sqlite")
    RunStore(db).create_run("fine", "train", TrainConfig())
    con = sqlite3.connect(db)
    con.execute("UPDATE runs SET settings = ? WHERE id = 1", (settings,))
    con.execute("UPDATE runs SET name = x'fffe00' WHERE id = 2")  # bytes, a NUL
    con.commit()
    con.close()
    rows = RunStore(db).runs()
    assert [r.id for r in rows] == [2, 1] and "\x00" not in rows[0].name
    assert "cannot be read" in rows[1].summary
    with pytest.raises(RunStoreError, match=r"run 1 in .* settings cannot be read"):
        RunStore(db).config(1)
    code, out, err = cli(capsys, "runs", "--runs-db", db)
    assert code == 0 and "a run" in out and err == ""


def test_a_damaged_locked_or_bad_record_store_is_one_sentence(tmp_path):
    """SQLite's refusals were internal errors (a truncated store: "database disk image is
    malformed", the trainer did not start); a record that is not JSON a raw JSON error."""
    db = _store_with_a_run(tmp_path / "runs.sqlite")
    con = sqlite3.connect(db)
    con.execute("INSERT INTO records VALUES (1, 0, 'step', 1, 0.1, 0.1, '{{{')")
    con.commit()
    con.close()
    with pytest.raises(RunStoreError, match=r"run 1 in .* records that cannot be read"):
        RunStore(db).records(1)
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        store = RunStore(db)
        from engine.torch_engine import runstore

        old, runstore.BUSY_TIMEOUT_S = runstore.BUSY_TIMEOUT_S, 0.2
        try:
            with pytest.raises(RunStoreError, match="is busy: another program holds it"):
                store.rename(1, "x")
        finally:
            runstore.BUSY_TIMEOUT_S = old
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(db.read_bytes()[:8192])
    with pytest.raises(RunStoreError, match="is damaged") as e:
        RunStore(damaged).runs()
    assert "\n" not in str(e.value)


def _read_only_store(tmp_path: Path) -> Path:
    """A store with a finished run and one whose writer is gone (it reads "running")."""
    path = _store_with_a_run(tmp_path / "shared" / "runs.sqlite")
    RunStore(path).create_run("gone", "train", TrainConfig())
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET pid = NULL WHERE name = 'gone'")
    db.commit()
    db.close()
    return path


def _read_as_it_is(path: Path, capsys) -> None:
    before, files = sha(path), tree(path.parent)
    assert [(r.name, r.status) for r in RunStore(path).runs()] == [
        ("gone", "running"),  # not marked "interrupted": the store cannot be written
        ("a run", "finished"),
    ]
    code, out, _ = cli(capsys, "runs", "--runs-db", path)
    assert code == 0 and "a run" in out
    assert sha(path) == before and tree(path.parent) == files  # no -wal, no -shm


def test_a_store_this_user_cannot_write_is_read_with_nothing_left_beside_it(
    tmp_path, monkeypatch, capsys
):
    """SQLite opens a WAL store's -wal and -shm even to read: beside a read-only store (a class's
    shared copy) `runs` left both behind, and in a read-only folder it could not read at all."""
    from engine.torch_engine import runstore

    path = _read_only_store(tmp_path)
    real = os.access
    monkeypatch.setattr(
        runstore.os, "access", lambda p, mode: False if mode == os.W_OK else real(p, mode)
    )
    _read_as_it_is(path, capsys)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes any file")
@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_or_folder_is_read_as_it_is(tmp_path, capsys, what):
    path = _read_only_store(tmp_path)
    target = path if what == "file" else path.parent
    mode = target.stat().st_mode
    target.chmod(0o444 if what == "file" else 0o555)
    try:
        _read_as_it_is(path, capsys)
    finally:
        target.chmod(mode)


def test_store_rows_changed_by_another_program_still_list_and_export(tmp_path, capsys):
    """A review's finds: text in pid or created stopped `runs` (TypeError in the liveness
    check); a record '[1]' or '{{{' made `runs export` an internal error or a raw JSON message;
    a name's no-break space or emoji joiner was replaced with the NUL."""
    db = _store_with_a_run(tmp_path / "runs.sqlite")
    RunStore(db).create_run("a\u200db\u00a0c", "train", TrainConfig())  # running, here
    con = sqlite3.connect(db)
    con.execute("UPDATE runs SET created = 'yesterday', pid = 'abc', finished = 'soon'")
    con.commit()
    con.close()
    rows = RunStore(db).runs()
    assert [r.name for r in rows] == ["a\u200db\u00a0c", "a run"]
    assert rows[0].status == "interrupted" and rows[0].pid is None and rows[0].created == 0.0
    code, out, _ = cli(capsys, "runs", "--runs-db", db)
    assert code == 0 and "a run" in out
    for data in ("[1]", "{{{"):
        con = sqlite3.connect(db)
        con.execute("DELETE FROM records")
        con.execute("INSERT INTO records VALUES (1, 0, 'step', 1, 0.1, 0.1, ?)", (data,))
        con.commit()
        con.close()
        out_csv = tmp_path / "out.csv"
        refused(
            cli(capsys, "runs", "--runs-db", db, "export", out_csv), "records that cannot be read"
        )
        assert not out_csv.exists()


def test_a_damaged_file_is_kept_aside_once_and_a_read_as_it_is_store_not_called_damaged(
    tmp_path,
):
    from engine.atomic import keep_aside
    from engine.torch_engine.store_file import store_problem

    f = tmp_path / "lessons.json"
    f.write_bytes(b"\x00 damaged")
    first = keep_aside(f, move=False)
    assert keep_aside(f, move=False) == first  # read again, not saved: no second copy
    f.write_bytes(b"\x00 damaged again")
    assert keep_aside(f, move=False) == tmp_path / "lessons.damaged2.json"
    e = sqlite3.DatabaseError("database disk image is malformed")
    assert "is damaged" in store_problem(tmp_path / "r.sqlite", e)
    as_is = store_problem(tmp_path / "r.sqlite", e, as_is=True)
    assert "is damaged" not in as_is and "try again" in as_is
