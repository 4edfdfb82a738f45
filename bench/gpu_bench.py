"""The GPU figures of issue 21, printed: each model's samples per second at several batch sizes
(float32 and bf16 autocast), the fast CNN's training time to 99.0% test accuracy with the data on
the GPU (CUDA start-up measured apart), and a 5-value LR sweep trained together against one run
and against its runs one by one.

    python bench/gpu_bench.py --data DIR [--quick]

Run by bench/gpu_check.sh on the device machine; on a CPU it runs too (slowly), for trying it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parents[1]))
from engine.torch_engine.device import pick_device  # noqa: E402
from engine.torch_engine.device_data import prepare  # noqa: E402
from engine.torch_engine.jobs import Job, run_job  # noqa: E402
from engine.torch_engine.mnist import load_mnist  # noqa: E402
from engine.torch_engine.models import ModelConfig  # noqa: E402
from engine.torch_engine.records import Done, Eval, Histograms, Step  # noqa: E402
from engine.torch_engine.together import train_together  # noqa: E402
from engine.torch_engine.training import TrainConfig, train  # noqa: E402

MODELS = ("fast-cnn", "lenet", "mlp")
BATCHES = (128, 512, 2048)
# the fast CNN's candidate recipes for 99.0%: (label, batch, peak lr, epochs, amp, seed)
RECIPES = (
    ("CPU recipe: batch 128, 1e-2, 2 ep", 128, 1e-2, 2, False, 0),
    ("CPU recipe, bf16", 128, 1e-2, 2, True, 0),
    ("batch 512, 2e-2, 3 ep", 512, 2e-2, 3, False, 0),
    ("batch 1024, 4e-2, 4 ep", 1024, 4e-2, 4, False, 0),
    ("batch 1024, 4e-2, 4 ep, seed 1", 1024, 4e-2, 4, False, 1),
    ("batch 1024, 4e-2, 4 ep, seed 2", 1024, 4e-2, 4, False, 2),
    ("batch 1024, 4e-2, 4 ep, bf16", 1024, 4e-2, 4, True, 0),
    ("batch 2048, 6e-2, 5 ep", 2048, 6e-2, 5, False, 0),
)


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def throughput(data, model: str, batch: int, amp: bool) -> float:
    """Samples per second over the second epoch of the engine's loop (records at their usual
    rate; the first epoch warms up), from its last Step record after the epoch-1 evaluation."""
    cfg = TrainConfig(
        model=ModelConfig(model),
        epochs=2,
        batch_size=batch,
        lr=1e-3,
        precision="bfloat16" if amp else "float32",
    )
    n = min(len(data.train_x), 30_000)
    sub = replace(data, train_x=data.train_x[:n], train_y=data.train_y[:n])
    t_begin = t_end = None
    for rec in train(cfg, sub):
        if isinstance(rec, Histograms) and t_begin is None:
            sync()
            t_begin = time.perf_counter()
        elif isinstance(rec, Step) and t_begin is not None:
            sync()
            t_end = time.perf_counter()
    return n / (t_end - t_begin)


def step_rates(data, k: int = 5, steps: int = 150) -> tuple[float, float]:
    """Steps per second of one fast-CNN run and of k runs trained together, batch 128, with no
    job around them (records at their usual rate)."""
    cfg = TrainConfig(model=ModelConfig("fast-cnn"), epochs=1, batch_size=128, schedule="onecycle")
    n = 128 * steps
    sub = replace(data, train_x=data.train_x[:n], train_y=data.train_y[:n])
    t0 = time.perf_counter()
    for _ in train(cfg, sub):
        pass
    one = steps / (time.perf_counter() - t0)
    cfgs = [replace(cfg, lr=lr) for lr in (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)[:k]]
    t0 = time.perf_counter()
    for _ in train_together(cfgs, sub):
        pass
    return one, steps / (time.perf_counter() - t0)


def compiled_step_rate(data, batch: int = 512, steps: int = 200) -> str:
    """A plain loop's steps per second, eager against torch.compile (compile time apart)."""
    from engine.torch_engine.models import build_model
    from engine.torch_engine.optim import make_optimizer

    out = []
    for compiled in (False, True):
        torch.manual_seed(0)
        model = build_model(ModelConfig("fast-cnn")).to(data.train_x.device).train()
        opt = make_optimizer(TrainConfig(lr=1e-3), model.parameters())
        fwd = torch.compile(model) if compiled else model
        t0 = time.perf_counter()
        for i in range(steps + 3):
            if i == 3:
                sync()
                warm, t1 = time.perf_counter() - t0, time.perf_counter()
            j = (i * batch) % (len(data.train_x) - batch)
            loss = F.cross_entropy(fwd(data.train_x[j : j + batch]), data.train_y[j : j + batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sync()
        rate = steps / (time.perf_counter() - t1)
        out.append(
            f"{'compiled' if compiled else 'eager'} {rate:.0f} steps/s (first 3: {warm:.1f} s)"
        )
    return "; ".join(out)


def time_to_target(data, batch: int, lr: float, epochs: int, amp: bool, seed: int, target=0.990):
    per_epoch = -(-len(data.train_x) // batch)
    cfg = TrainConfig(
        model=ModelConfig("fast-cnn"),
        epochs=epochs,
        batch_size=batch,
        lr=lr,
        schedule="onecycle",
        target_accuracy=target,
        eval_every=max(1, per_epoch // 6),
        precision="bfloat16" if amp else "float32",
        seed=seed,
    )
    acc, reached, wall = 0.0, None, 0.0
    for rec in train(cfg, data):
        if isinstance(rec, Eval):
            acc = max(acc, rec.test_accuracy)
        if isinstance(rec, Done):
            reached, wall, acc = rec.seconds_to_target, rec.wall_seconds, rec.test_accuracy
    return acc, reached, wall


def job_seconds(mnist, kind: str, lrs, together: bool | None = None) -> float:
    """Wall seconds of a job as the trainer runs it (data put on the device, runs recorded)."""
    base = TrainConfig(
        model=ModelConfig("fast-cnn"), epochs=1, batch_size=128, lr=lrs[0], schedule="onecycle"
    )
    values = tuple(lrs) if kind == "lr-sweep" else ()
    with tempfile.TemporaryDirectory() as tmp:
        job = Job(kind, base, None, values=values, store_path=f"{tmp}/r.sqlite")
        t0 = time.perf_counter()
        for _ in run_job(job, data=mnist, together=together):
            pass
        sync()
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--quick", action="store_true", help="fewer steps and recipes (a CPU try)")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile (~30 s)")
    a = ap.parse_args()
    t_start = time.perf_counter()
    choice = pick_device()
    mnist = load_mnist(a.data)
    t0 = time.perf_counter()
    data = prepare(mnist, choice.device)
    sync()
    print(f"device: {choice.name}; torch {torch.__version__}")
    print(f"CUDA start-up and MNIST to the device: {time.perf_counter() - t0:.2f} s")
    print("\n## samples per second (engine loop, second epoch of 30,000 digits)")
    print("| model | " + " | ".join(f"batch {b} fp32 / bf16" for b in BATCHES) + " |")
    for m in MODELS:
        cells = []
        for b in BATCHES:
            f32 = throughput(data, m, b, False)
            bf = throughput(data, m, b, True) if choice.device.type == "cuda" else None
            cells.append(f"{f32:,.0f} / {bf:,.0f}" if bf else f"{f32:,.0f} / -")
        print(f"| {m} | " + " | ".join(cells) + " |", flush=True)
    print("\n## fast CNN to 99.0% test accuracy (training time; data on the device)")
    for label, b, lr, ep, amp, seed in RECIPES[:1] if a.quick else RECIPES:
        if amp and choice.device.type != "cuda":
            continue
        acc, reached, wall = time_to_target(data, b, lr, ep, amp, seed)
        hit = f"{reached:.2f} s" if reached is not None else "not reached"
        print(
            f"- {label}: 99.0% at {hit}; stopped at {100 * acc:.2f}% after {wall:.2f} s", flush=True
        )
    one, five = step_rates(data)
    print(f"\n## one fast-CNN run: {one:.0f} steps/s; five trained together: {five:.0f} steps/s")
    print("\n## 5-value LR sweep of the fast CNN, 1 epoch each")
    lrs = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
    one = job_seconds(mnist, "train", (1e-2,))
    both = job_seconds(mnist, "lr-sweep", lrs, together=True)
    alone = job_seconds(mnist, "lr-sweep", lrs, together=False)
    print(f"- one run: {one:.2f} s")
    print(f"- together: {both:.2f} s = {both / one:.2f}x one run (goal at most 2x)")
    print(f"- one by one: {alone:.2f} s = {alone / one:.2f}x one run")
    if choice.device.type == "cuda" and a.compile:
        try:
            print(f"\n## torch.compile, plain loop, batch 512: {compiled_step_rate(data)}")
        except Exception as e:  # compile is optional: say why it did not run
            print(f"\n## torch.compile did not run: {type(e).__name__}: {str(e)[:200]}")
    print(f"\nbench wall time {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
