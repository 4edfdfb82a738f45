"""`sweep` (any one setting, with repeats) and `experiment` (a preset): their runs, one row each
(presets.run_row, the --json contract), and the reading of the result in one sentence."""

from __future__ import annotations

import json
from dataclasses import replace

from app.cli.common import fail
from app.cli.torch_commands import _errors, _load, _message, _run, _store, checked


def cmd_sweep(args) -> int:
    from engine.torch_engine.sweepable import SWEEPABLE

    values = ";".join(args.values)  # each argument one value or more; ';' never splits a value
    try:
        c = checked(args, sweep_param=args.param, sweep_values=values, repeats=args.repeats)
        param, k = c.extra["param"], c.extra["repeats"]
        if args.scale_lr and param != "batch_size":
            return fail("--scale-lr scales the learning rate with the batch size: it goes with "
                        "'sweep batch-size' only")  # fmt: skip
        kind = {"lr": "lr-sweep", "batch_size": "batch-sweep"}.get(param, "sweep")
        cfg = replace(c.config, max_records_per_s=1.0)
        job = dict(values=c.extra["values"], param=param, repeats=k, scale_lr=args.scale_lr)
        return _report(args, SWEEPABLE[param].cli, param, _sweep_rows(args, kind, cfg, job))
    except _errors() as e:
        return fail(_message(e))


# the training flags a preset experiment sets itself, with the parser's defaults (torch_commands)
PRESET_FIXED = {"model": "mlp", "epochs": None, "batch_size": "128", "lr": None,
                "optimizer": "adam", "schedule": None, "dropout": "0.2", "weight_decay": "0",
                "augment": False, "train_size": None, "label_smoothing": None}  # fmt: skip


def cmd_experiment(args) -> int:
    """A preset experiment (engine/torch_engine/presets.py): its runs and its reading."""
    from engine.torch_engine.presets import preset_job

    fixed = [f for f, default in PRESET_FIXED.items() if getattr(args, f) != default]
    if fixed:  # the preset sets these itself: a quick try with them would silently not be one
        names = ", ".join("--" + f.replace("_", "-") for f in fixed)
        return fail(f"experiment {args.name} uses its own settings, so {names} cannot be set; "
                    "only --seed, --device, --precision and --data apply")  # fmt: skip
    try:
        c = checked(args)
        job = preset_job(args.name, c.config, args.data, args.runs_db)
        more = dict(values=job.values, param=job.param, repeats=job.repeats, preset=args.name)
        cfg = replace(job.config, max_records_per_s=1.0)
        return _report(args, args.name, args.name, _sweep_rows(args, "preset", cfg, more))
    except _errors() as e:
        return fail(_message(e))


def _sweep_rows(args, kind: str, cfg, job: dict) -> list[dict]:
    """Run the sweep; one run_row per run (printed as it ends unless --json)."""
    from engine.torch_engine.jobs import Job
    from engine.torch_engine.presets import run_row
    from engine.torch_engine.records import Done, Eval

    _store(args)
    data = _load(args)
    whole = Job(kind, cfg, args.data, store_path=args.runs_db, **job)
    rows, evals = [], {}
    for t in _run(args, data, kind, cfg, **job):
        if isinstance(t.record, Eval):
            evals.setdefault(t.run_index, []).append(t.record)
        elif isinstance(t.record, Done):
            d = t.record
            rows.append(run_row(*whole.value_and_seed(t.run_index), d, evals.get(t.run_index, [])))
            if not args.json:
                print(_row_line(t.label, rows[-1], t.run_id))
    return rows


def _row_line(label: str, row: dict, run_id) -> str:
    def pct(k):
        return "  -   " if row[k] is None else f"{100 * row[k]:6.2f}%"

    kept = f", kept epoch {row['best_epoch']}" if row["status"] == "early stopped" else ""
    return (
        f"{label:>28}: {row['status']:<13} train {pct('train_accuracy')}  validation "
        f"{pct('val_accuracy')}  test {pct('test_accuracy')}  "
        f"({row['wall_seconds'] or 0:.1f} s{kept}, run {run_id})"
    )


def _report(args, name: str, key: str, rows: list[dict]) -> int:
    from engine.torch_engine.presets import reading

    text = reading(key, rows)
    if args.json:
        print(json.dumps({"param": name, "runs": rows, "reading": text}))
    else:
        print(text)
    return 0
