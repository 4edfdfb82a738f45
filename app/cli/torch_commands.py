"""`train`, `lr-find`, `sweep` and `evaluate`: the PyTorch engine from the command line (torch
imported lazily). Every flag goes through the trainer window's own check
(engine.torch_engine.settings.check), and every output path is checked, before any data is read
or any step is taken: a bad value is one line on stderr and exit code 2, and no model is lost to a
--save path that turns out to be unwritable after training."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import replace

from app.cli.common import add_runs_db, fail

MODELS = ("mlp", "lenet", "fast-cnn")
FLAGS = {"lr_start": "--start", "lr_end": "--end", "lr_steps": "--steps"}  # field -> flag
FLAGS |= {"sweep_values": "sweep values", "sweep_param": "sweep setting", "layers": "--model"}


class BadFlags(ValueError):
    """Flags the settings check refused; the message is one line naming each flag."""


def _common(p) -> None:
    p.add_argument("--model", choices=MODELS, default="mlp")
    p.add_argument(
        "--data",
        default=None,
        help="folder with MNIST's IDX files or its CSV form (default: the user data folder; "
        "downloaded there if missing and online)",
    )
    p.add_argument("--epochs", default=None, help="default: the model's recipe")
    p.add_argument("--batch-size", default="128")
    p.add_argument("--lr", default=None, help="default: the model's recipe")
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--schedule", default=None, help="constant | step | cosine | onecycle")
    p.add_argument("--dropout", default="0.2", help="MLP dropout")
    p.add_argument("--weight-decay", default="0", help="L2")
    p.add_argument(
        "--label-smoothing",
        default=None,
        help="0 to 0.5, the training loss only (default: the model's recipe)",
    )
    p.add_argument("--augment", action="store_true", help="random shifts and rotations")
    p.add_argument("--seed", default="0")
    p.add_argument(
        "--train-size",
        default=None,
        help="train on a balanced, seeded subset of N digits (at least 100; default: all)",
    )
    p.add_argument("--device", default="auto", help="auto | cuda | mps | cpu")
    p.add_argument(
        "--precision",
        default="auto",
        help="auto | float32 | bfloat16: the forward pass and loss (auto: bfloat16 autocast for "
        "a model with convolutions on a CPU that multiplies bfloat16 natively, else float32)",
    )
    p.add_argument("--limit-train", default=None, help=argparse.SUPPRESS)
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    add_runs_db(p)


def form(args, **extra) -> dict:
    """The flags as the trainer window's form (text, as typed), plus the command's own fields."""
    from engine.torch_engine.settings import RECIPES

    lr, sched, epochs, smoothing = RECIPES[args.model]
    return {
        "model": args.model,
        "dropout": args.dropout,
        "optimizer": args.optimizer,
        "schedule": args.schedule or sched,
        "epochs": args.epochs if args.epochs is not None else epochs,
        "batch_size": args.batch_size,
        "lr": args.lr if args.lr is not None else lr,
        "weight_decay": args.weight_decay,
        "label_smoothing": smoothing if args.label_smoothing is None else args.label_smoothing,
        "augment": args.augment,
        "seed": args.seed,
        "val_size": getattr(args, "val_size", "0"),
        "train_size": args.train_size,
        "patience": getattr(args, "patience", None),
        "device": args.device,
        "precision": args.precision,
        "limit_train": args.limit_train,
        **extra,
    }


def checked(args, **extra):
    """settings.check of the flags: its Checked, or BadFlags naming every refused flag."""
    from engine.torch_engine.settings import check

    result = check(form(args, **extra))
    if result.errors:
        raise BadFlags(
            "; ".join(
                f"{FLAGS.get(k, '--' + k.replace('_', '-'))}: {v}" for k, v in result.errors.items()
            )
        )
    return result


def _output(path: str, flag: str, store, data: str | None):
    """Check an output path before the work: not the run store, nor a file of the MNIST it
    reads (a stale .part beside it is swept)."""
    from engine.atomic import clean_stale_parts
    from engine.safe_io import check_output_path
    from engine.torch_engine.mnist import data_files

    held = store.held_files() + [(f, "a file of the MNIST it reads") for f in data_files(data)]
    p = check_output_path(path, flag, held)
    clean_stale_parts(p.parent)
    return p


def _store(args):
    """The run store, checked before any work (a --runs-db in a missing folder, or a file that is
    not a run store, is refused); nothing is created until a run is recorded."""
    from engine.torch_engine.runstore import RunStore

    return RunStore(args.runs_db, make_folder=args.runs_db is None)


def _load(args):
    from engine.torch_engine.mnist_download import ensure_mnist

    def progress(name, got, total):
        if not args.json:
            pct = f"{100 * got / total:5.1f}%" if total else f"{got >> 10} KiB"
            print(f"\rdownloading {name}: {pct}", end="", file=sys.stderr, flush=True)

    return ensure_mnist(args.data, download=not args.no_download, progress=progress)


def _errors():
    # ValueError covers MnistError, ModelSpecError, CheckpointError, RunStoreError, BadFlags,
    # UnwritablePath; OSError and sqlite3.Error an unwritable run store or checkpoint folder
    return (ValueError, OSError, sqlite3.Error, MemoryError)


def _message(e: BaseException) -> str:
    if isinstance(e, MemoryError):
        return "not enough memory for this run; use a smaller model or batch"
    if isinstance(e, sqlite3.Error):  # its own words ("attempt to write a readonly database")
        return f"the run store cannot be used: {e} (--runs-db chooses another)"
    return str(e) or type(e).__name__


def _run(args, data, kind: str, cfg, **job):
    """The job's records, recorded in the run store (--runs-db), in this process."""
    from engine.torch_engine.jobs import Job, run_job

    return run_job(Job(kind, cfg, args.data, store_path=args.runs_db, **job), data=data)


def _held_out(p) -> None:
    """The flags of a run that validates: the hold-out and early stopping's patience."""
    p.add_argument("--val-size", default="0", help="training digits held out for validation")
    p.add_argument(
        "--patience",
        default="0",
        help="early stopping: epochs without a better validation loss (0: off; needs --val-size)",
    )


def cmd_train(args) -> int:
    try:
        cfg = checked(args, target_accuracy=args.target_accuracy, eval_every=args.eval_every).config
        store = _store(args)
        save = _output(args.save, "--save", store, args.data) if args.save is not None else None
        data = _load(args)
        done, start, run_id = _train(args, data, replace(cfg, max_records_per_s=2.0))
        if save is not None:
            from engine.torch_engine.checkpoint import save_checkpoint

            save_checkpoint(save, done.model, cfg, done.to_dict())
    except _errors() as e:
        return fail(_message(e))
    out = {k: v for k, v in done.to_dict().items() if k != "kind"}
    out.update(
        model=args.model,
        parameters=start.parameters,
        device_reason=start.device_reason,
        run_id=run_id,
    )
    if args.json:
        print(json.dumps(out))
    else:
        reached = done.seconds_to_target
        print(
            f"\n{done.status}: test accuracy {100 * done.test_accuracy:.2f}% after "
            f"{done.epochs:.2f} epochs ({done.steps} steps) in {done.wall_seconds:.1f} s on "
            f"{done.device}"
            + (f"; target reached at {reached:.1f} s" if reached else "")
            + f" (run {run_id})"
        )
    return 1 if done.status == "diverged" else 0


def _train(args, data, cfg):
    """Run and print the records as they come: (the Done record, the Start, the run id)."""
    from engine.torch_engine.records import Cancelled, Diverged, Done, Eval, Start, Step

    done, start, run_id = None, None, None
    for t in _run(args, data, "train", cfg):
        rec, run_id = t.record, t.run_id
        if isinstance(rec, Start):
            start = rec
            if not args.json:
                print(f"{args.model}: {rec.parameters:,} parameters; {rec.device_reason}")
        elif isinstance(rec, Step) and not args.json:
            print(
                f"\repoch {rec.epoch:5.2f}  step {rec.step:6d}  loss {rec.loss:.4f}  "
                f"lr {rec.lr:.2e}  {rec.samples_per_s:8.0f} samples/s",
                end="",
                flush=True,
            )
        elif isinstance(rec, Eval) and not args.json:
            more = (
                f", train {100 * rec.train_accuracy:.2f}%" if rec.train_accuracy is not None else ""
            )
            more += f", validation {100 * rec.val_accuracy:.2f}%" if rec.val_accuracy else ""
            print(
                f"\n  test accuracy {100 * rec.test_accuracy:.2f}%  "
                f"(loss {rec.test_loss:.4f}){more} at {rec.elapsed:.1f} s"
            )
        elif isinstance(rec, Diverged | Cancelled):
            print(f"backprop-studio: {rec.message}", file=sys.stderr)
        elif isinstance(rec, Done):
            done = rec
    return done, start, run_id


def cmd_lr_find(args) -> int:
    import math

    from engine.torch_engine.records import LrPoint, LrSuggestion

    try:
        c = checked(args, lr_start=args.start, lr_end=args.end, lr_steps=args.steps)
        _store(args)
        data = _load(args)
        result, run_id = None, None
        for t in _run(args, data, "lr-find", c.config, **c.extra):
            rec, run_id = t.record, t.run_id
            if isinstance(rec, LrSuggestion):
                result = rec
            elif isinstance(rec, LrPoint) and not args.json and rec.step % 10 == 0:
                print(f"lr {rec.lr:.2e}  loss {rec.loss:.4f}  smoothed {rec.smoothed:.4f}")
    except _errors() as e:
        return fail(_message(e))
    if result is None or not math.isfinite(result.lr):
        print(
            "backprop-studio: the loss was not finite within the first steps, so no learning "
            f"rate can be suggested; try a lower --start (run {run_id})",
            file=sys.stderr,
        )
        return 1
    if args.json:
        out = {
            "suggested_lr": result.lr,
            "rule": result.rule,
            "lrs": list(result.lrs),
            "smoothed_loss": list(result.smoothed),
            "run_id": run_id,
        }
        print(json.dumps(out))
    else:
        print(f"suggested learning rate: {result.lr:.3g} ({result.rule}; run {run_id})")
    return 0


def cmd_evaluate(args) -> int:
    """A saved checkpoint on the test set: accuracy, loss, and its config."""
    from engine.torch_engine.checkpoint import load_checkpoint
    from engine.torch_engine.device import pick_device
    from engine.torch_engine.device_data import prepare
    from engine.torch_engine.evaluation import evaluate
    from engine.torch_engine.settings import check_device

    device, problem = check_device(args.device)
    if problem:
        return fail(f"--device: {problem}")
    try:
        ck = load_checkpoint(args.checkpoint)
        data = _load(args)
        dev = pick_device(device).device
        d = prepare(data, dev)
        loss, acc = evaluate(ck.model.to(dev), d.test_x, d.test_y)
    except _errors() as e:
        return fail(_message(e))
    out = {
        "test_accuracy": acc,
        "test_loss": loss,
        "model": ck.config.model.name,
        "trained_epochs": ck.metrics.get("epochs"),
        "device": str(dev),
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(
            f"{args.checkpoint}: {ck.config.model.name}, test accuracy {100 * acc:.2f}% "
            f"(loss {loss:.4f}) on {dev}"
        )
    return 0


def add_commands(sub) -> None:
    from app.cli.sweep_commands import cmd_experiment, cmd_sweep

    t = sub.add_parser("train", help="train an MNIST model with PyTorch")
    _common(t)
    t.add_argument(
        "--target-accuracy",
        default=None,
        help="stop once test accuracy reaches this (e.g. 0.99)",
    )
    t.add_argument("--eval-every", default="0", help="test every N steps")
    t.add_argument("--save", default=None, help="write a checkpoint here")
    _held_out(t)
    t.set_defaults(func=cmd_train)

    f = sub.add_parser("lr-find", help="LR range test: smoothed loss vs LR, a suggested LR")
    _common(f)
    f.add_argument("--start", default="1e-6")
    f.add_argument("--end", default="1")
    f.add_argument("--steps", default="100")
    f.set_defaults(func=cmd_lr_find)

    s = sub.add_parser("sweep", help="several runs differing only in one setting")
    _common(s)
    _held_out(s)
    s.add_argument(
        "param",
        metavar="SETTING",
        help="lr, batch-size, dropout, l2, augment, train-size, optimizer, hidden (MLP sizes), "
        "width (CNN width multiplier)",
    )
    s.add_argument(
        "values",
        nargs="+",
        metavar="VALUES",
        help="e.g. 0.001,0.01,0.1 (separated by commas, ';' or spaces); hidden sizes: one value "
        "per argument or ';' between values, commas inside one: 256 256,128 64,64,64,64",
    )
    s.add_argument("--repeats", default="1", help="seeds per value: seed, seed+1, ...")
    s.add_argument(
        "--scale-lr",
        action="store_true",
        help="batch sweep: scale the LR linearly with the batch size",
    )
    s.set_defaults(func=cmd_sweep)

    x = sub.add_parser("experiment", help="a preset experiment: overfitting, topology, batch")
    _common(x)
    x.add_argument("name", choices=("overfitting", "topology", "batch"))
    x.set_defaults(func=cmd_experiment)

    e = sub.add_parser("evaluate", help="a saved checkpoint's accuracy on the MNIST test set")
    e.add_argument("checkpoint", help="a file written by 'train --save'")
    e.add_argument("--data", default=None)
    e.add_argument("--device", default="auto", help="auto | cuda | mps | cpu")
    e.add_argument("--no-download", action="store_true")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_evaluate)
