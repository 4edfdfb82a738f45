"""The run store: every training run, sweep and LR range test, with its settings, status and metric
records, in one SQLite file in the per-user data folder. The trainer window and the CLI read and
write the same file, from several processes at once.

SQLite in WAL mode (readers never wait for the writer), each write one transaction, a busy timeout
for the rare moment two writers meet; a connection per call, so a store can be used from any thread.
A run whose writer died (killed, crashed) stays "running" in the file; `runs()` notices that its
process is gone and marks it "interrupted". Its records up to the last committed batch remain.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.atomic import atomic_path, clean_stale_parts
from engine.safe_io import check_output_path

from .pids import pid_alive
from .records import DONE_STATUSES, Record
from .run_row import RunRow, row_from
from .store_file import (
    APP_ID,
    SCHEMA,
    SCHEMA_VERSION,
    RunStoreError,
    check_store_file,
    store_problem,
)

if TYPE_CHECKING:  # importing the store costs no torch import (`backprop-studio runs` is quick)
    from .training import TrainConfig

ENV_VAR = "BACKPROP_STUDIO_RUNS"  # overrides the default store path (tests isolate with it)
RUN_KINDS = ("train", "lr-sweep", "batch-sweep", "sweep", "lr-find")
STATUSES = ("running", *DONE_STATUSES, "interrupted")
BUSY_TIMEOUT_S = 10.0  # how long a write waits for another writer before it fails
CSV_FIXED = ("run_id", "run_name", "seq", "kind", "step", "epoch", "elapsed")


def _alive(pid, created) -> bool:
    """Whether the run's writer still runs; a pid or time that is not a number (written by
    another program) is no live writer's."""
    if not isinstance(pid, int) or not isinstance(created, int | float):
        return False
    return pid_alive(pid, created)


def default_store_path() -> Path:
    """$BACKPROP_STUDIO_RUNS if set, else runs.sqlite in the per-user data folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("backprop-studio", appauthor=False)) / "runs.sqlite"


def new_group_id() -> str:
    return uuid.uuid4().hex


class RunStore:
    """The store at `path` (None: default_store_path()). Opening it checks the file and writes
    nothing: the file (and, with `make_folder`, its folder) is made at the first write. A file
    that is not a run store is refused before a byte of it changes (store_file.py)."""

    def __init__(self, path: str | Path | None = None, make_folder: bool = True):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self._ready = check_store_file(self.path, make_folder)
        clean_stale_parts(self.checkpoint_dir)

    @property
    def checkpoint_dir(self) -> Path:
        """Where the store keeps its runs' checkpoints: a folder beside the database."""
        return self.path.parent / (self.path.stem + "-checkpoints")

    def held_files(self) -> list[tuple[Path, str]]:
        """The files the store keeps, open or by name: no export or saved model may be written
        over them (the database and its journals, each run's saved model)."""
        out = [
            (self.path.with_name(self.path.name + ext), "the run store")
            for ext in ("", "-wal", "-shm", "-journal")
        ]
        if self.path.is_file():
            try:
                with self._db() as db:
                    rows = db.execute(
                        "SELECT id, checkpoint FROM runs WHERE checkpoint IS NOT NULL"
                    )
                    out += [(Path(c), f"the saved model of run {i}") for i, c in rows if c]
            except sqlite3.Error:
                pass  # a store that cannot be read is refused where it is used
        return out

    def _ensure(self) -> None:
        """Make (or mark) the store before its first write; refuse a newer version's file."""
        if self._ready:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise RunStoreError(f"{self.path} was written by a newer Backprop Studio")
                db.execute(f"PRAGMA application_id = {APP_ID}")
                for statement in filter(str.strip, SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
                db.execute("PRAGMA journal_mode = WAL")  # kept in the file; not in a transaction
            finally:
                db.close()
        except (sqlite3.Error, OSError) as e:
            raise RunStoreError(f"{self.path} is not a usable run store ({e})") from None
        self._ready = True

    def _unwritable(self) -> bool:
        """A store this user cannot write (its file or its folder read-only: a class's shared
        copy, a read-only mount), with no write-ahead log beside it: read as it is, immutable.
        SQLite opens a WAL store's -wal and -shm files even to read: beside a read-only file
        it left them behind, and in a read-only folder it could not read the store at all."""
        wal = self.path.with_name(self.path.name + "-wal")
        writable = os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
        return not writable and not wal.exists()

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection for one call; with `write`, one transaction committed at the end. A
        read of a store not made yet reads an empty one in memory (it creates no file). What
        SQLite refuses (a damaged file, another writer's lock, a read-only store) is one
        sentence naming the file (it was an internal error: the trainer did not start)."""
        try:
            with self._connection(write) as db:
                yield db
        except sqlite3.Error as e:
            as_is = not write and self._unwritable()  # read immutable: a writer may be mid-way
            raise RunStoreError(store_problem(self.path, e, as_is)) from None

    @contextlib.contextmanager
    def _connection(self, write: bool) -> Iterator[sqlite3.Connection]:
        if write:
            self._ensure()
        made = write or (self.path.exists() and self.path.stat().st_size > 0)  # an empty
        # file is a store not made yet (it read "no such table: runs")
        if made and not write and self._unwritable():
            where = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
            db = sqlite3.connect(where, uri=True, timeout=BUSY_TIMEOUT_S)
        else:
            db = sqlite3.connect(self.path if made else ":memory:", timeout=BUSY_TIMEOUT_S)
        db.isolation_level = None
        try:
            if not made:
                db.executescript(SCHEMA)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")  # in WAL: durable across a killed process
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db
            if write:
                db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def create_run(
        self,
        name: str,
        kind: str,
        config: TrainConfig,
        group_id: str | None = None,
        group_label: str | None = None,
    ) -> int:
        if kind not in RUN_KINDS:
            raise ValueError(f"unknown run kind {kind!r}; one of {', '.join(RUN_KINDS)}")
        with self._db(write=True) as db:
            cur = db.execute(
                "INSERT INTO runs (name, kind, group_id, group_label, settings, status, created,"
                " pid, host) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                (
                    name,
                    kind,
                    group_id,
                    group_label,
                    json.dumps(asdict(config)),
                    time.time(),
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
            return int(cur.lastrowid)

    def add_records(self, run_id: int, records: Iterable[Record]) -> None:
        """Append records to a run, all in one transaction."""
        dicts = [r.to_dict() for r in records]
        if not dicts:
            return
        with self._db(write=True) as db:
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM records WHERE run_id = ?", (run_id,)
            ).fetchone()
            db.executemany(
                "INSERT INTO records (run_id, seq, kind, step, epoch, elapsed, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        seq + i,
                        d["kind"],
                        d.get("step", d.get("steps")),
                        d.get("epoch", d.get("epochs")),
                        d.get("elapsed", d.get("wall_seconds")),
                        json.dumps(d),
                    )
                    for i, d in enumerate(dicts)
                ],
            )

    def finish(
        self, run_id: int, status: str, final: dict[str, Any], checkpoint: str | None = None
    ) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        done = None if status in ("running", "interrupted") else time.time()
        with self._db(write=True) as db:
            db.execute(
                "UPDATE runs SET status = ?, finished = ?, final = ?,"
                " checkpoint = COALESCE(?, checkpoint) WHERE id = ?",
                (status, done, json.dumps(final), checkpoint, run_id),
            )

    def runs(self) -> list[RunRow]:
        """Every run, newest first; runs whose writer died are marked "interrupted" first."""
        self._mark_interrupted()
        with self._db() as db:
            return [
                row_from(r, self.path) for r in db.execute("SELECT * FROM runs ORDER BY id DESC")
            ]

    def run(self, run_id: int) -> RunRow:
        with self._db() as db:
            r = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if r is None:
            raise KeyError(f"no run {run_id} in {self.path}")
        return row_from(r, self.path)

    def config(self, run_id: int) -> TrainConfig:
        """The settings the run was made with."""
        return self.run(run_id).config

    def _mark_interrupted(self) -> None:
        host = socket.gethostname()
        with self._db() as db:
            live = db.execute(
                "SELECT id, pid, created FROM runs WHERE status = 'running' AND host = ?",
                (host,),
            )
            dead = [(i,) for i, pid, t in live if not _alive(pid, t)]
        if dead and not self._unwritable():  # a read-only store is shown as it is
            with self._db(write=True) as db:
                db.executemany(
                    "UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
                    dead,
                )

    def records(self, run_id: int, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The run's records in order, each its to_dict() plus "seq"."""
        sql, args = "SELECT seq, data FROM records WHERE run_id = ?", [run_id]
        if kinds is not None:
            kinds = list(kinds)
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            args += kinds
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY seq", args).fetchall()
        return [{**self._record(run_id, data), "seq": seq} for seq, data in rows]

    def _record(self, run_id: int, data) -> dict[str, Any]:
        """A record's fields; one that is not a JSON object (changed by another program) is
        refused in one sentence."""
        try:
            d = json.loads(data)
        except (ValueError, TypeError, RecursionError):
            d = None
        if not isinstance(d, dict):
            raise RunStoreError(
                f"run {run_id} in {self.path} has records that cannot be read (the file was "
                "changed by another program); delete that run or restore the file"
            )
        return d

    def set_checkpoint(self, run_id: int, path: str | None) -> None:
        """The run's latest weights (saved at each epoch's end while it trains)."""
        with self._db(write=True) as db:
            db.execute("UPDATE runs SET checkpoint = ? WHERE id = ?", (path, run_id))

    def rename(self, run_id: int, name: str) -> None:
        with self._db(write=True) as db:
            db.execute("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))

    def delete(self, run_id: int) -> None:
        """Remove the run, its records, and its checkpoint if the store keeps it."""
        with self._db(write=True) as db:
            r = db.execute("SELECT checkpoint FROM runs WHERE id = ?", (run_id,)).fetchone()
            db.execute("DELETE FROM records WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        if r is not None and r["checkpoint"]:
            ck = Path(r["checkpoint"])
            if ck.resolve().parent == self.checkpoint_dir.resolve():
                ck.unlink(missing_ok=True)

    def export_csv(self, path: str | Path, run_ids: Iterable[int] | None = None) -> int:
        """Every run's records (or those of `run_ids`) in one CSV file, written atomically:
        columns CSV_FIXED, then the union of the records' fields. Lists are JSON in their cell,
        None is an empty cell. Returns the number of records written."""
        check_output_path(path, "export", self.held_files())
        wanted = None if run_ids is None else set(run_ids)
        names = {r.id: r.name for r in self.runs() if wanted is None or r.id in wanted}
        rows: list[dict[str, Any]] = []
        with self._db() as db:  # one connection for every run
            for rid, seq, data in db.execute(
                "SELECT run_id, seq, data FROM records ORDER BY run_id, seq"
            ):
                if rid in names:
                    d = self._record(rid, data)
                    rows.append({"run_id": rid, "run_name": names[rid], **d, "seq": seq})
        fields = list(CSV_FIXED)
        for d in rows:
            fields += [k for k in d if k not in fields]
        with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fields)
            w.writeheader()
            for d in rows:
                w.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in d.items()})
        return len(rows)


CSV_TEXT = {
    "run_name",
    "kind",
    "status",
    "message",
    "rule",
    "device",
    "device_reason",
    "device_name",
}


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """The rows `export_csv` wrote, with numbers, lists and None read back (a blank cell is None;
    "nan" is NaN)."""

    def value(k: str, s: str) -> Any:
        if s == "":
            return None
        if k in CSV_TEXT:
            return s
        if s.startswith("["):
            return json.loads(s)
        for kind in (int, float):
            with contextlib.suppress(ValueError):
                return kind(s)
        return s

    with open(path, newline="", encoding="utf-8") as f:
        return [{k: value(k, v) for k, v in row.items()} for row in csv.DictReader(f)]
