"""Is this file a Backprop Studio run store? Decided before anything is written to it.

A store carries a marker of its own: SQLite's `application_id` header field set to APP_ID. A file
without it is ours only when it is empty (a new store) or has exactly the tables an older version
of the store had (runs and records, with their columns); anything else (a browser's history, a
database with its own `runs(athlete, km, day)` table, a file that is not SQLite) is refused in one
sentence and left byte for byte as it was: the check reads the header, and opens the database
read-only and immutable, which writes nothing, not even a journal.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

APP_ID = 0x42505354  # "BPST": this application's mark in the SQLite header
SCHEMA_VERSION = 1  # the store's layout (SQLite's user_version); a newer one is refused
MAGIC = b"SQLite format 3\0"
RUNS_COLUMNS = {
    "id", "name", "kind", "group_id", "group_label", "settings", "status", "created",
    "finished", "final", "checkpoint", "pid", "host",
}  # fmt: skip
RECORDS_COLUMNS = {"run_id", "seq", "kind", "step", "epoch", "elapsed", "data"}

# the store's layout (RUNS_COLUMNS and RECORDS_COLUMNS name its columns)
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,           -- one of RUN_KINDS
    group_id TEXT,                -- shared by the runs of one sweep, NULL for a single run
    group_label TEXT,             -- what tells the run apart in its group, e.g. "lr=0.01"
    settings TEXT NOT NULL,       -- JSON of asdict(TrainConfig)
    status TEXT NOT NULL,         -- one of STATUSES
    created REAL NOT NULL,        -- Unix time
    finished REAL,                -- Unix time, NULL while running or when interrupted
    final TEXT NOT NULL DEFAULT '{}',  -- JSON: final figures
    checkpoint TEXT,              -- path of the trained weights, if saved
    pid INTEGER,                  -- the writing process
    host TEXT                     -- the machine it runs on
);
CREATE TABLE IF NOT EXISTS records (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,         -- 0, 1, 2... within the run
    kind TEXT NOT NULL,
    step INTEGER,
    epoch REAL,
    elapsed REAL,
    data TEXT NOT NULL,           -- JSON of the record's to_dict()
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS runs_group ON runs(group_id);
"""


class RunStoreError(ValueError):
    """A store file that cannot be used; the message says why."""


def store_problem(path: Path, e: Exception, as_is: bool = False) -> str:
    """What SQLite's refusal means, in one sentence naming the store. `as_is`: read as it is
    (a store this user cannot write, read without locks): "malformed" may be its owner's
    write half-way, not damage."""
    text = str(e)
    if as_is and ("malformed" in text or "corrupt" in text):
        return f"{path} could not be read as it is ({text}); if its owner is writing it, try again"
    if "locked" in text or "busy" in text:
        return f"{path} is busy: another program holds it ({text}); try again in a moment"
    if "readonly" in text or "read-only" in text:
        return f"{path} cannot be written: it is read-only ({text})"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return (
            f"{path} is damaged ({text}); restore it from a copy, or give another run store "
            "with --runs-db"
        )
    return f"{path} could not be used ({text})"


def check_store_file(path: Path, make_folder: bool) -> bool:
    """Refuse what is not (or cannot become) a run store; return whether the file already
    carries the marker. Creates nothing: a missing folder is refused unless `make_folder`
    (then it is made at the first write)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if not make_folder and not path.parent.is_dir():
            raise RunStoreError(
                f"the folder {path.parent} does not exist; give a run store in an existing folder"
            ) from None
        return False
    except (OSError, ValueError) as e:
        raise RunStoreError(f"{str(path)[:200]} is not a usable run store ({e})") from None
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise RunStoreError(f"{path} is {what}; the run store is a file such as runs.sqlite")
    if st.st_size == 0:
        return False  # an empty file is an empty database: it becomes a store
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as e:
        raise RunStoreError(f"{path} is not a usable run store ({e.strerror or e})") from None
    if not head.startswith(MAGIC) or len(head) < 100:
        raise RunStoreError(f"{path} is not a usable run store (it is not an SQLite database)")
    if int.from_bytes(head[68:72], "big") == APP_ID:
        if int.from_bytes(head[60:64], "big") > SCHEMA_VERSION:  # user_version
            raise RunStoreError(f"{path} was written by a newer Backprop Studio")
        return True
    if not _older_store_or_empty(path):
        raise RunStoreError(
            f"{path} is another program's SQLite database, not a Backprop Studio run store; "
            "it was left as it was (give another file, such as runs.sqlite)"
        )
    return False


def _older_store_or_empty(path: Path) -> bool:
    """Whether the unmarked database has no tables, or just an older store's two."""
    uri = Path(path).resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            tables = {
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            }
            if not tables:
                return True
            if tables != {"runs", "records"}:
                return False
            cols = {t: {r[1] for r in db.execute(f"PRAGMA table_info({t})")} for t in tables}
        finally:
            db.close()
    except sqlite3.Error as e:
        raise RunStoreError(f"{path} is not a usable run store ({e})") from None
    return cols["runs"] == RUNS_COLUMNS and cols["records"] == RECORDS_COLUMNS
