"""`train`, `lr-find` and `sweep`: the PyTorch engine from the command line (torch imported lazily)."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys

from app.cli.common import fail

MODELS = ("mlp", "lenet", "fast-cnn")


def _common(p) -> None:
    p.add_argument("--model", choices=MODELS, default="mlp")
    p.add_argument(
        "--data",
        default=None,
        help="folder with MNIST's IDX files (default: the user data folder; "
        "downloaded there if missing and online)",
    )
    p.add_argument("--epochs", type=int, default=None, help="default: the model's recipe")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--schedule", default=None, help="constant | step | cosine | onecycle")
    p.add_argument("--dropout", type=float, default=0.2, help="MLP dropout")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2")
    p.add_argument("--augment", action="store_true", help="random shifts and rotations")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cuda | mps | cpu (default: best available)")
    p.add_argument("--limit-train", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    p.add_argument(
        "--runs-db",
        default=None,
        metavar="PATH",
        help="the run store every run is recorded in (default: runs.sqlite in the user data "
        "folder, or $BACKPROP_STUDIO_RUNS)",
    )


RECIPES = {  # per model: (lr, schedule, epochs) when the user gives none (bench/train_mnist.py)
    "mlp": (3e-3, "onecycle", 8),
    "lenet": (3e-3, "onecycle", 3),
    "fast-cnn": (1e-2, "onecycle", 2),
}


def make_config(args, **over):
    from engine.torch_engine.models import ModelConfig
    from engine.torch_engine.training import TrainConfig

    lr, sched, epochs = RECIPES[args.model]
    return TrainConfig(
        model=ModelConfig(name=args.model, dropout=args.dropout),
        epochs=args.epochs or epochs,
        batch_size=args.batch_size,
        lr=args.lr if args.lr is not None else lr,
        optimizer=args.optimizer,
        schedule=args.schedule or sched,
        weight_decay=args.weight_decay,
        augment=args.augment,
        seed=args.seed,
        device=args.device,
        limit_train=args.limit_train,
        **over,
    )


def _load(args):
    from engine.torch_engine.mnist import ensure_mnist

    def progress(name, got, total):
        if not args.json:
            pct = f"{100 * got / total:5.1f}%" if total else f"{got >> 10} KiB"
            print(f"\rdownloading {name}: {pct}", end="", file=sys.stderr, flush=True)

    return ensure_mnist(args.data, download=not args.no_download, progress=progress)


def _errors():
    from engine.torch_engine.checkpoint import CheckpointError
    from engine.torch_engine.mnist import MnistError
    from engine.torch_engine.models import ModelSpecError

    # OSError and sqlite3.Error: an unwritable run store or checkpoint folder, said in one line
    return (MnistError, ModelSpecError, CheckpointError, ValueError, OSError, sqlite3.Error)


def _run(args, data, kind: str, cfg, **job):
    """The job's records, recorded in the run store (--runs-db), in this process."""
    from engine.torch_engine.jobs import Job, run_job

    return run_job(Job(kind, cfg, args.data, store_path=args.runs_db, **job), data=data)


def cmd_train(args) -> int:
    from engine.torch_engine.records import Cancelled, Diverged, Done, Eval, Start, Step

    try:
        data = _load(args)
        cfg = make_config(
            args,
            target_accuracy=args.target_accuracy,
            eval_every=args.eval_every,
            max_records_per_s=2.0,
        )
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
                print(
                    f"\n  test accuracy {100 * rec.test_accuracy:.2f}%  "
                    f"(loss {rec.test_loss:.4f}) at {rec.elapsed:.1f} s"
                )
            elif isinstance(rec, Diverged | Cancelled):
                print(f"\n{rec.message}", file=sys.stderr)
            elif isinstance(rec, Done):
                done = rec
        if args.save:
            from engine.torch_engine.checkpoint import save_checkpoint

            save_checkpoint(args.save, done.model, cfg, done.to_dict())
    except _errors() as e:
        return fail(str(e))
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


def cmd_lr_find(args) -> int:
    from engine.torch_engine.records import LrPoint, LrSuggestion

    try:
        data = _load(args)
        cfg = make_config(args)
        result, run_id = None, None
        job = dict(lr_start=args.start, lr_end=args.end, lr_steps=args.steps)
        for t in _run(args, data, "lr-find", cfg, **job):
            rec, run_id = t.record, t.run_id
            if isinstance(rec, LrSuggestion):
                result = rec
            elif isinstance(rec, LrPoint) and not args.json and rec.step % 10 == 0:
                print(f"lr {rec.lr:.2e}  loss {rec.loss:.4f}  smoothed {rec.smoothed:.4f}")
    except _errors() as e:
        return fail(str(e))
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


def cmd_sweep(args) -> int:
    from engine.torch_engine.records import Done

    try:
        data = _load(args)
        cfg = make_config(args, max_records_per_s=1.0)
        values = tuple(float(v) for v in args.values.split(","))
        kind = "lr-sweep" if args.param == "lr" else "batch-sweep"
        results = []
        for t in _run(args, data, kind, cfg, values=values, scale_lr=args.scale_lr):
            if isinstance(t.record, Done):
                d = t.record
                results.append(
                    {
                        "run": t.label,
                        "run_id": t.run_id,
                        "status": d.status,
                        "test_accuracy": d.test_accuracy,
                        "test_loss": d.test_loss,
                        "wall_seconds": d.wall_seconds,
                    }
                )
                if not args.json:
                    print(
                        f"{t.label:>24}: {d.status:<10} test accuracy "
                        f"{100 * d.test_accuracy:.2f}%  ({d.wall_seconds:.1f} s, run {t.run_id})"
                    )
    except _errors() as e:
        return fail(str(e))
    if args.json:
        print(json.dumps({"param": args.param, "runs": results}))
    return 0


def cmd_evaluate(args) -> int:
    """A saved checkpoint on the test set: accuracy, loss, and its config."""
    from engine.torch_engine.checkpoint import load_checkpoint
    from engine.torch_engine.device import pick_device
    from engine.torch_engine.training import evaluate, prepare

    try:
        ck = load_checkpoint(args.checkpoint)
        data = _load(args)
        dev = pick_device(args.device).device
        d = prepare(data, dev)
        loss, acc = evaluate(ck.model.to(dev), d.test_x, d.test_y)
    except _errors() as e:
        return fail(str(e))
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
    t = sub.add_parser("train", help="train an MNIST model with PyTorch")
    _common(t)
    t.add_argument(
        "--target-accuracy",
        type=float,
        default=None,
        help="stop once test accuracy reaches this (e.g. 0.99)",
    )
    t.add_argument("--eval-every", type=int, default=0, help="test every N steps")
    t.add_argument("--save", default=None, help="write a checkpoint here")
    t.set_defaults(func=cmd_train)

    f = sub.add_parser("lr-find", help="LR range test: smoothed loss vs LR, a suggested LR")
    _common(f)
    f.add_argument("--start", type=float, default=1e-6)
    f.add_argument("--end", type=float, default=1.0)
    f.add_argument("--steps", type=int, default=100)
    f.set_defaults(func=cmd_lr_find)

    s = sub.add_parser("sweep", help="several runs differing only in the LR or the batch size")
    _common(s)
    s.add_argument("param", choices=("lr", "batch-size"))
    s.add_argument("values", help="comma-separated values, e.g. 0.001,0.01,0.1")
    s.add_argument(
        "--scale-lr",
        action="store_true",
        help="batch sweep: scale the LR linearly with the batch size",
    )
    s.set_defaults(func=cmd_sweep)

    e = sub.add_parser("evaluate", help="a saved checkpoint's accuracy on the MNIST test set")
    e.add_argument("checkpoint", help="a file written by 'train --save'")
    e.add_argument("--data", default=None)
    e.add_argument("--device", default=None)
    e.add_argument("--no-download", action="store_true")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_evaluate)
