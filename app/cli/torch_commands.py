"""`train`, `lr-find` and `sweep`: the PyTorch engine from the command line (torch imported lazily)."""

from __future__ import annotations

import argparse
import json
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

    return (MnistError, ModelSpecError, CheckpointError, ValueError)


def cmd_train(args) -> int:
    try:
        data = _load(args)
        cfg = make_config(
            args,
            target_accuracy=args.target_accuracy,
            eval_every=args.eval_every,
            max_records_per_s=2.0,
        )
        summary, start = None, {}
        from engine.torch_engine.training import train

        for rec in train(cfg, data):
            k = rec["kind"]
            if k == "start":
                start = rec
                if not args.json:
                    print(f"{args.model}: {rec['parameters']:,} parameters; {rec['device_reason']}")
            elif k == "step" and not args.json:
                print(
                    f"\repoch {rec['epoch']:5.2f}  step {rec['step']:6d}  loss "
                    f"{rec['loss']:.4f}  lr {rec['lr']:.2e}  {rec['samples_per_s']:8.0f} "
                    f"samples/s",
                    end="",
                    flush=True,
                )
            elif k == "eval" and not args.json:
                print(
                    f"\n  test accuracy {100 * rec['test_accuracy']:.2f}%  "
                    f"(loss {rec['test_loss']:.4f}) at {rec['elapsed']:.1f} s"
                )
            elif k in ("diverged", "cancelled"):
                print(f"\n{rec['message']}", file=sys.stderr)
            elif k == "done":
                summary = rec
        if args.save:
            from engine.torch_engine.checkpoint import save_checkpoint

            save_checkpoint(args.save, summary["model"], cfg, summary)
    except _errors() as e:
        return fail(str(e))
    out = {k: v for k, v in summary.items() if k not in ("model", "kind")}
    out.update(
        model=args.model,
        parameters=start.get("parameters"),
        device_reason=start.get("device_reason"),
    )
    if args.json:
        print(json.dumps(out))
    else:
        print(
            f"\n{summary['status']}: test accuracy {100 * summary['test_accuracy']:.2f}% after "
            f"{summary['epochs']:.2f} epochs ({summary['steps']} steps) in "
            f"{summary['wall_seconds']:.1f} s on {summary['device']}"
            + (
                f"; target reached at {summary['seconds_to_target']:.1f} s"
                if summary["seconds_to_target"]
                else ""
            )
        )
    return 1 if summary["status"] == "diverged" else 0


def cmd_lr_find(args) -> int:
    from engine.torch_engine.experiments import lr_range_test

    try:
        data = _load(args)
        cfg = make_config(args)
        result = None
        for rec in lr_range_test(cfg, data, args.start, args.end, args.steps):
            if rec["kind"] == "lr_suggestion":
                result = rec
            elif not args.json and rec["step"] % 10 == 0:
                print(f"lr {rec['lr']:.2e}  loss {rec['loss']:.4f}  smoothed {rec['smoothed']:.4f}")
    except _errors() as e:
        return fail(str(e))
    if args.json:
        print(
            json.dumps(
                {
                    "suggested_lr": result["lr"],
                    "lrs": result["lrs"],
                    "smoothed_loss": result["smoothed"],
                }
            )
        )
    else:
        print(f"suggested learning rate: {result['lr']:.3g}")
    return 0


def cmd_sweep(args) -> int:
    from engine.torch_engine.experiments import batch_sweep, lr_sweep

    try:
        data = _load(args)
        cfg = make_config(args, max_records_per_s=1.0)
        values = [float(v) for v in args.values.split(",")]
        if args.param == "lr":
            runs = lr_sweep(cfg, values, data)
        else:
            runs = batch_sweep(cfg, [int(v) for v in values], data, scale_lr=args.scale_lr)
        results = []
        for rec in runs:
            if rec["kind"] == "done":
                results.append(
                    {
                        "run": rec["run"],
                        "status": rec["status"],
                        "test_accuracy": rec["test_accuracy"],
                        "test_loss": rec["test_loss"],
                        "wall_seconds": rec["wall_seconds"],
                    }
                )
                if not args.json:
                    r = results[-1]
                    print(
                        f"{r['run']:>24}: {r['status']:<10} test accuracy "
                        f"{100 * r['test_accuracy']:.2f}%  ({r['wall_seconds']:.1f} s)"
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
