"""Nothing stray, nothing lost: a refused command creates nothing (no user data folder, no empty
run store); a killed writer leaves no temp file; no output is written over the run store, the
file being read, or another program's database; a checkpoint of another model kind is one
sentence."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from engine.atomic import atomic_path, atomic_write_bytes
from engine.safe_io import UnwritablePath, check_output_path
from engine.torch_engine.checkpoint import content_hash, load_checkpoint
from engine.torch_engine.runstore import RunStore, RunStoreError
from engine.torch_engine.store_file import APP_ID
from engine.torch_engine.training import TrainConfig

from .mnist_fixtures import write_mnist
from .test_hostile_torch import QUICK, _checkpoint, cli, refused

ROOT = Path(__file__).resolve().parents[2]
O_TMPFILE = getattr(os, "O_TMPFILE", 0) if Path("/proc/self/fd").is_dir() else 0


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty home folder (and working folder) for one command; the user's default
    store is there, as it is for a user (no $BACKPROP_STUDIO_RUNS)."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.delenv("BACKPROP_STUDIO_RUNS", raising=False)
    monkeypatch.setenv("HOME", str(h))
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(var, str(h / ".local" / sub))
    monkeypatch.setenv("XDG_CACHE_HOME", str(h / ".cache"))
    monkeypatch.chdir(h)
    return h


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("good") / "mnist", n_train=120, n_test=40)


REFUSED = {
    "train --save /proc": (("train", "--save", "/proc/m.pt"), "not writable"),
    "train --save no folder": (("train", "--save", "no/m.pt"), "does not exist"),
    "train --epochs 0": (("train", "--epochs", "0"), "--epochs"),
    "sweep of bad values": (("sweep", "lr", "0.1,x"), "number"),
    "lr-find --start 0": (("lr-find", "--start", "0"), "above 0"),
    "train --runs-db no folder": (("train", "--runs-db", "no/runs.sqlite"), "does not exist"),
    "runs --runs-db no folder": (("runs", "--runs-db", "no/runs.sqlite"), "does not exist"),
    "evaluate a missing file": (("evaluate", "missing.pt"), "no such file"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_command_leaves_the_home_folder_untouched(case, home, good, capsys):
    args, match = REFUSED[case]
    extra = () if args[0] in ("runs", "evaluate") else (*QUICK, "--data", good)
    refused(cli(capsys, args[0], *extra, *args[1:]), match)
    assert tree(home) == []  # no user data folder, no empty run store, no folder "no"


def test_refused_without_data_creates_no_data_folder(home, capsys):
    refused(cli(capsys, "train", *QUICK), "MNIST was not found")
    assert tree(home) == []


def test_a_good_run_makes_the_store_only_then(home, good, capsys):
    rc, out, _ = cli(capsys, "train", *QUICK, "--data", good)
    assert rc == 0 and json.loads(out)["run_id"] == 1
    store = home / ".local" / "data" / "backprop-studio" / "runs.sqlite"
    assert store.is_file() and [r.status for r in RunStore(store).runs()] == ["finished"]


KILLED = """
import os, signal, sys
from engine.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    with open(tmp, "wb") as f:
        f.write(b"half a checkpoint")
        f.flush()
        os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not O_TMPFILE, reason="the system has no unnamed temp files (O_TMPFILE)")
def test_a_writer_killed_mid_write_leaves_nothing_behind(tmp_path):
    (tmp_path / "m.pt").write_bytes(b"old")
    proc = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path / "m.pt")], cwd=ROOT)
    assert proc.returncode == -9
    assert tree(tmp_path) == ["m.pt"] and (tmp_path / "m.pt").read_bytes() == b"old"


def test_atomic_writes_use_an_unnamed_file_and_errors_name_the_users_path(tmp_path):
    with atomic_path(tmp_path / "f.bin") as tmp:
        tmp.write_bytes(b"new")
        if O_TMPFILE:
            assert tree(tmp_path) == []  # nothing has a name until the write is complete
    assert tree(tmp_path) == ["f.bin"] and (tmp_path / "f.bin").read_bytes() == b"new"
    with pytest.raises(OSError) as e:
        atomic_write_bytes("/proc/m.pt", b"x")
    assert "/proc/m.pt" in str(e.value) and ".part" not in str(e.value)
    with pytest.raises(UnwritablePath, match="/proc is not writable"):
        check_output_path("/proc/m.pt", "--save")


def _store_with_a_run(path: Path) -> Path:
    store = RunStore(path)
    store.finish(store.create_run("a run", "train", TrainConfig()), "finished", {})
    return path


def test_no_output_over_the_run_store_or_the_input(tmp_path, good, capsys):
    db = _store_with_a_run(tmp_path / "runs.sqlite")
    before = sha(db)
    for spelling in (db, tmp_path / "x" / ".." / "runs.sqlite", tmp_path / "runs.sqlite-wal"):
        (tmp_path / "x").mkdir(exist_ok=True)
        line = refused(cli(capsys, "runs", "--runs-db", db, "export", spelling), "the run store")
        assert "choose another file" in line
        args = ("train", *QUICK, "--data", good, "--runs-db", db, "--save", spelling)
        refused(cli(capsys, *args), "the run store")
    with pytest.raises(UnwritablePath, match="the run store"):
        RunStore(db).export_csv(db)
    assert sha(db) == before and len(RunStore(db).runs()) == 1
    images = good / "train-images-idx3-ubyte.gz"
    images_before = sha(images)
    args = ("train", *QUICK, "--data", good, "--runs-db", db, "--save", images)
    refused(cli(capsys, *args), "a file of the MNIST it reads")
    assert sha(images) == images_before
    ck = _checkpoint(tmp_path / "m.pt")
    ck_before = sha(ck)
    args = ("export-network", ck, "--data", good, "--digit", "0", "-o", ck)
    refused(cli(capsys, *args), "is the checkpoint it reads")
    assert sha(ck) == ck_before


def _browser_history(p: Path) -> Path:
    db = sqlite3.connect(p)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
    db.execute("INSERT INTO moz_places (url, title) VALUES ('https://example.org', 'Example')")
    db.commit()
    db.close()
    return p


def _athlete(p: Path) -> Path:
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE runs (athlete TEXT, km REAL, day TEXT)")
    db.execute("INSERT INTO runs VALUES ('ana', 10.5, '2026-01-01')")
    db.commit()
    db.close()
    return p


@pytest.mark.parametrize("make", [_browser_history, _athlete], ids=["browser", "athlete runs"])
def test_another_programs_database_gets_one_sentence_and_is_not_touched(
    make, tmp_path, good, capsys
):
    path = make(tmp_path / "places.sqlite")
    before, files = sha(path), tree(tmp_path)
    why = "another program's SQLite database"
    with pytest.raises(RunStoreError, match=why):
        RunStore(path)
    refused(cli(capsys, "runs", "--runs-db", path), why)
    refused(cli(capsys, "runs", "--runs-db", path, "export", tmp_path / "o.csv"), why)
    refused(cli(capsys, "train", *QUICK, "--data", good, "--runs-db", path), why)
    refused(cli(capsys, "lr-find", *QUICK, "--data", good, "--runs-db", path), why)
    assert sha(path) == before and tree(tmp_path) == files


def test_the_store_carries_its_marker_and_an_older_store_is_still_read(tmp_path):
    new = _store_with_a_run(tmp_path / "new.sqlite")
    assert int.from_bytes(new.read_bytes()[68:72], "big") == APP_ID
    old = tmp_path / "old.sqlite"  # an older version's store: its tables, no marker
    from engine.torch_engine.store_file import SCHEMA

    db = sqlite3.connect(old)
    db.executescript(SCHEMA)
    db.execute(
        "INSERT INTO runs (name, kind, settings, status, created) VALUES (?, ?, ?, ?, ?)",
        ("kept", "train", json.dumps(asdict(TrainConfig())), "finished", 1.0),
    )
    db.commit()
    db.close()
    store = RunStore(old)
    assert [r.name for r in store.runs()] == ["kept"]
    store.rename(1, "still kept")  # the first write marks it
    assert (
        int.from_bytes(old.read_bytes()[68:72], "big") == APP_ID
        or old.with_name("old.sqlite-wal").exists()
    )
    assert RunStore(old).run(1).name == "still kept"


def _other_kind(tmp_path: Path) -> Path:
    """An MLP's weights under a LeNet config, with a correct checksum."""
    path = _checkpoint(tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    cfg = json.loads(payload["config"])
    cfg["model"]["name"] = "lenet"
    payload["config"] = json.dumps(cfg)
    payload["sha256"] = content_hash(payload["config"], payload["metrics"], payload["state_dict"])
    torch.save(payload, path)
    return path


def test_a_checkpoint_of_another_model_kind_is_one_sentence(tmp_path, good, capsys):
    path = _other_kind(tmp_path)
    with pytest.raises(ValueError) as e:
        load_checkpoint(path)
    text = str(e.value)
    assert "lenet model" in text and "do not fit" in text and "\n" not in text
    assert "Missing key" not in text and "size mismatch" not in text
    for args in (
        ("evaluate", path, "--data", good, "--no-download"),
        ("export-network", path, "--data", good, "--digit", "0", "-o", tmp_path / "n.json"),
    ):
        line = refused(cli(capsys, *args), "says it holds a lenet model")
        assert "do not fit" in line
    assert not (tmp_path / "n.json").exists()


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path, capsys):
    db = _store_with_a_run(tmp_path / "runs.sqlite")
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = sha(db)
    refused(cli(capsys, "runs", "--runs-db", db), "written by a newer Backprop Studio")
    assert sha(db) == before


def test_train_offline_is_one_line_and_leaves_the_home_folder_untouched(home, capsys, monkeypatch):
    import socket
    import urllib.error
    import urllib.request

    def offline(*a, **k):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    line = refused(cli(capsys, "train", "--device", "cpu"), "^backprop-studio: error: No internet")
    assert "none of the 3 MNIST mirrors could be reached" in line and "urlopen" not in line
    assert tree(home) == []
