"""Recording a run: pass a training generator's records through while writing them to the run
store, and finish the run with the right status however the generator ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .records import Cancelled, Done, Eval, LrSuggestion, Record, Step
from .runstore import RunStore
from .training import TrainConfig

FLUSH_EVERY_S = 0.5  # longest time records wait in memory before they are written


@dataclass(frozen=True)
class Recording:
    """One run being recorded: iterate it for the records, passed through as they are stored."""

    run_id: int  # the store's id of the run
    records: Iterator[Record]  # the pass-through generator

    def __iter__(self) -> Iterator[Record]:
        return self.records

    def close(self) -> None:
        self.records.close()  # type: ignore[attr-defined]


def record_run(
    store: RunStore,
    name: str,
    kind: str,
    cfg: TrainConfig,
    records: Iterator[Record],
    group_id: str | None = None,
    group_label: str | None = None,
    save_checkpoint: bool = True,
) -> Recording:
    """Create the run now; iterating the result yields `records` while writing them in small
    batches (at least every FLUSH_EVERY_S and at the end). Done finishes the run with its status
    and final figures (and its model's checkpoint in store.checkpoint_dir); an LrSuggestion
    finishes an LR range test. Closing it early marks the run cancelled; an exception from
    `records` marks it interrupted and is raised again."""
    run_id = store.create_run(name, kind, cfg, group_id, group_label)
    return Recording(run_id, _pass_through(store, run_id, cfg, records, save_checkpoint))


def _pass_through(store: RunStore, run_id: int, cfg: TrainConfig, records, save: bool):
    pending: list[Record] = []
    flushed, finished, cancelled, speeds = time.monotonic(), False, False, []
    try:
        for rec in records:
            pending.append(rec)
            if isinstance(rec, Step):
                speeds.append(rec.samples_per_s)
            cancelled = cancelled or isinstance(rec, Cancelled)
            last = isinstance(rec, Done | LrSuggestion)
            if last or time.monotonic() - flushed >= FLUSH_EVERY_S:
                store.add_records(run_id, pending)
                pending, flushed = [], time.monotonic()
            if isinstance(rec, Eval) and rec.model is not None and save:
                store.set_checkpoint(run_id, _save(store, run_id, cfg, rec))  # live insides
            if isinstance(rec, Done):
                ck = _save(store, run_id, cfg, rec) if save else None
                store.finish(run_id, rec.status, _final(rec, speeds), ck)
            elif isinstance(rec, LrSuggestion):
                store.finish(run_id, "finished", _lr_find_final(rec))
            finished = finished or last
            yield rec
    except GeneratorExit:
        _end_early(store, run_id, pending, records, None if finished else "cancelled")
        raise
    except BaseException:
        _end_early(store, run_id, pending, records, None if finished else "interrupted")
        raise
    store.add_records(run_id, pending)
    if not finished:  # ended without a Done: a cancelled LR range test
        store.finish(run_id, "cancelled" if cancelled else "finished", {})


def _end_early(store: RunStore, run_id: int, pending, records, status: str | None) -> None:
    """Stop the training generator, keep what it produced, and mark the run `status`."""
    close = getattr(records, "close", None)
    if close is not None:
        close()
    store.add_records(run_id, pending)
    if status is not None:
        store.finish(run_id, status, {})


def _save(store: RunStore, run_id: int, cfg: TrainConfig, done) -> str | None:
    if done.model is None:
        return None
    from .checkpoint import save_checkpoint

    path = store.checkpoint_dir / f"run-{run_id}.pt"
    return str(save_checkpoint(path, done.model, cfg, done.to_dict(), make_folder=True))


def _lr_find_final(s) -> dict[str, Any]:
    """What an LR range test ran (its run list row says it) and what it suggests."""
    return {
        "suggested_lr": s.lr,
        "lr_from": s.lrs[0] if s.lrs else None,
        "lr_to": s.lrs[-1] if s.lrs else None,
        "steps": len(s.lrs),
    }


def _final(done, speeds: list[float]) -> dict[str, Any]:
    """The figures a run list shows, and the precision the run computed in."""
    return {
        "test_accuracy": done.test_accuracy,
        "test_loss": done.test_loss,
        "steps": done.steps,
        "epochs": done.epochs,
        "wall_seconds": done.wall_seconds,
        "seconds_to_target": done.seconds_to_target,
        "best_epoch": done.best_epoch,
        "samples_per_s": sum(speeds) / len(speeds) if speeds else None,
        "precision": done.precision,
    }
