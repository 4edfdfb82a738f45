"""A learning-rate sweep against a single run: the sweep loads the data once and builds only a
model per value, so 5 values should cost at most 5.5x one run.

    python bench/sweep_speed.py [--data DIR] [--model fast-cnn] [--values 5] [--epochs 1]

Both jobs are timed whole (loading MNIST included), in this process, through the same
`engine.torch_engine.jobs.run_job` the trainer window and the CLI use; run store in a temp folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from engine.torch_engine.jobs import Job, run_job  # noqa: E402
from engine.torch_engine.models import ModelConfig  # noqa: E402
from engine.torch_engine.records import Done  # noqa: E402
from engine.torch_engine.training import TrainConfig  # noqa: E402

SHARED = Path(__file__).parents[2] / "shared" / "data" / "mnist"


def timed(job: Job) -> tuple[float, list[Done]]:
    t0 = time.perf_counter()
    done = [t.record for t in run_job(job) if isinstance(t.record, Done)]
    return time.perf_counter() - t0, done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(SHARED) if SHARED.is_dir() else None)
    ap.add_argument("--model", default="fast-cnn")
    ap.add_argument("--values", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=1)
    a = ap.parse_args()
    store = str(Path(tempfile.mkdtemp()) / "runs.sqlite")
    cfg = TrainConfig(model=ModelConfig(a.model), epochs=a.epochs, lr=1e-2, schedule="onecycle")
    lrs = tuple(10.0 ** (-4 + k) for k in range(a.values))
    single, d1 = timed(Job("train", cfg, a.data, store_path=store))
    sweep, dn = timed(Job("lr-sweep", cfg, a.data, values=lrs, store_path=store))
    print(f"{a.model}, {a.epochs} epoch(s) each, on {a.data}:")
    print(f"  single run: {single:.1f} s (test accuracy {100 * d1[0].test_accuracy:.2f}%)")
    print(f"  {a.values}-value LR sweep: {sweep:.1f} s ({len(dn)} runs)")
    print(f"  ratio {sweep / single:.2f} (goal <= {1.1 * a.values:.1f})")


if __name__ == "__main__":
    main()
