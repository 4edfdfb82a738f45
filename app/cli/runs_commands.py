"""`runs`: the run store from the command line: list every recorded run, or export every run's
records to one CSV file. The store is the one `train`, `sweep`, `lr-find` and the trainer window
write (--runs-db, or $BACKPROP_STUDIO_RUNS, or runs.sqlite in the user data folder)."""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import datetime

from app.cli.common import add_runs_db, fail


def _when(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t).astimezone().isoformat("T", "seconds")


def cmd_runs(args) -> int:
    if getattr(args, "runs_command", None) == "export":
        return cmd_export(args)
    from engine.torch_engine.runstore import RunStore

    try:
        store = RunStore(args.runs_db, make_folder=args.runs_db is None)
        rows = store.runs()
    except (ValueError, OSError, sqlite3.Error) as e:
        return fail(str(e))
    out = [
        {
            "id": r.id,
            "name": r.name,
            "kind": r.kind,
            "status": r.status,
            "test_accuracy": r.final.get("test_accuracy"),
            "created": _when(r.created),
            "finished": _when(r.finished),
            "group_id": r.group_id,
            "group_label": r.group_label,
            "checkpoint": r.checkpoint,
        }
        for r in rows
    ]
    if args.json:
        print(json.dumps({"store": str(store.path), "runs": out}))
        return 0
    if not out:
        print(f"no runs recorded yet in {store.path}")
        return 0
    print(f"{'id':>5}  {'name':<40} {'kind':<11} {'status':<14} {'accuracy':>8}  created")
    for r in out:
        acc = r["test_accuracy"]
        acc_text = f"{100 * acc:7.2f}%" if isinstance(acc, float) and acc == acc else "       -"
        print(
            f"{r['id']:>5}  {r['name'][:40]:<40} {r['kind']:<11} {r['status']:<14} {acc_text}  "
            f"{r['created'][:16].replace('T', ' ')}"
        )
    return 0


def cmd_export(args) -> int:
    from engine.safe_io import check_output_path
    from engine.torch_engine.runstore import RunStore

    try:
        store = RunStore(args.runs_db, make_folder=args.runs_db is None)
        check_output_path(args.file, "runs export", store.held_files())
        n = store.export_csv(args.file)
    except (ValueError, OSError, sqlite3.Error) as e:
        return fail(str(e))
    if not args.json:
        print(f"{n} records written to {args.file}")
    else:
        print(json.dumps({"file": args.file, "records": n}))
    return 0


def add_commands(sub) -> None:
    r = sub.add_parser("runs", help="list the recorded training runs, or export their records")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    add_runs_db(r)
    r.set_defaults(func=cmd_runs)
    rsub = r.add_subparsers(dest="runs_command")
    e = rsub.add_parser("export", help="every run's records in one CSV file")
    e.add_argument("file", help="the CSV file to write, e.g. runs.csv")
    e.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_runs_db(e, default=argparse.SUPPRESS)
