"""Jobs: what the trainer window and the CLI ask for (a run, a sweep, an LR range test), run
in this process (`run_job`) or in a child process (`run_job_in_process`), every run recorded in
the run store. MNIST is loaded and moved to the device once per job; the runs of a sweep share it.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .device import pick_device, threads_beside_gui
from .device_data import prepare
from .experiments import Variant, lr_range_test, repeated, sweep
from .mnist import MnistData, default_data_dir, load_mnist
from .recording import Recording, record_run
from .records import Record
from .runstore import RunStore, new_group_id
from .subset import check_sizes
from .together import together_refusal, train_together
from .training import TrainConfig, train

STOP_GRACE_S = 30.0  # how long a stopped job's child may take to finish (a cancelled run is
# evaluated and saved first: seconds for a big CNN on one core) before it is terminated


@dataclass(frozen=True)
class Job:
    kind: str  # one of JOB_KINDS: "train" | "lr-sweep" | "batch-sweep" | "sweep" | "preset" |
    # "lr-find" | "transfer"
    config: TrainConfig  # the run's settings (a sweep's base)
    data_dir: str | None  # folder with MNIST (None: the user data folder); never downloaded
    name: str = ""  # the run's name in the store ("" : made from the settings)
    values: tuple = ()  # the swept values (lr-sweep, batch-sweep: LRs, batch sizes; sweep: of
    # `param`, typed as sweepable.parse_values gives them; preset: its variants' names)
    param: str = ""  # sweep: the swept setting, a key of sweepable.SWEEPABLE
    repeats: int = 1  # sweeps and presets: seeds per value (seed, seed+1, ...), value-major
    preset: str = ""  # preset: a key of presets.PRESETS
    scale_lr: bool = False  # batch sweep: scale the LR linearly with the batch size
    lr_start: float = 1e-6  # LR range test: first LR
    lr_end: float = 1.0  # LR range test: last LR
    lr_steps: int = 100  # LR range test: steps from lr_start to lr_end
    store_path: str | None = None  # the run store file (None: default_store_path())

    @property
    def runs(self) -> int:
        """How many runs the job records (a transfer: pretrain, transfer, from scratch)."""
        return JOB_RUNS.get(self.kind, max(1, len(self.values) * max(1, self.repeats)))

    def value_and_seed(self, run_index: int) -> tuple:
        """The swept value and the seed of the run at `run_index` (value-major order)."""
        r = max(1, self.repeats)
        value = self.values[run_index // r] if self.values else None
        return value, self.config.seed + run_index % r


@dataclass(frozen=True)
class Tagged:
    run_id: int  # the store run the record belongs to
    run_index: int  # 0, 1, ... within the job (a sweep's values in order)
    label: str  # what tells the run apart in its job, e.g. "lr=0.01" ("" for a single run)
    record: Record  # the record itself


@dataclass(frozen=True)
class JobFailed:
    message: str  # one plain sentence: why the job could not run or stopped


def variants(job: Job) -> list[Variant]:
    """The runs a train or sweep job makes, in order."""
    if job.kind == "train":
        return [Variant("", job.config)]
    if not job.values:
        raise ValueError("a sweep needs at least one value")
    if job.kind == "lr-sweep":
        return sweep(job.config, "lr", job.values, job.repeats)
    if job.kind == "batch-sweep":
        return sweep(job.config, "batch_size", list(job.values), job.repeats, job.scale_lr)
    if job.kind == "sweep":
        return sweep(job.config, job.param, job.values, job.repeats, job.scale_lr)
    if job.kind == "preset":
        from .presets import preset_variants

        return repeated(preset_variants(job.preset, job.config, job.values), job.repeats)
    raise ValueError(f"unknown job kind {job.kind!r}; one of {', '.join(JOB_KINDS)}")


def run_name(job: Job, label: str = "") -> str:
    c = job.config
    base = job.name or {
        "train": f"{c.model.name} {c.optimizer} lr={c.lr:g} batch={c.batch_size}",
        "lr-sweep": f"{c.model.name} lr sweep",
        "batch-sweep": f"{c.model.name} batch sweep",
        "lr-find": f"{c.model.name} LR range test",
        "sweep": f"{c.model.name} {job.param.replace('_', ' ')} sweep",
        "preset": f"{c.model.name} {job.preset} experiment",
    }.get(job.kind, job.kind)
    return f"{base} · {label}" if label else base


def run_job(
    job: Job,
    should_stop: Callable[[], bool] | None = None,
    data: MnistData | None = None,
    together: bool | None = None,
) -> Iterator[Tagged]:
    """Run `job` here, yielding its records tagged with their store runs. `data` is MNIST already
    loaded (else it is read from job.data_dir). A sweep stops after a cancelled run. Nothing is
    written to the store before its first run starts. A sweep's runs train together
    (together.py) when `together` says so; None: on a GPU, where they can."""
    if job.kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {job.kind!r}; one of {', '.join(JOB_KINDS)}")
    runs = variants(job) if job.kind in SWEEP_KINDS else []  # early: a bad value raises here
    if data is None:
        data = load_mnist(job.data_dir or default_data_dir())
    store = RunStore(job.store_path)
    yield from JOB_KINDS[job.kind](job, runs, data, store, should_stop, together)


def _runs(job: Job, runs, data, store, should_stop, together=None) -> Iterator[Tagged]:
    """A run or a sweep: MNIST prepared once, one recorded run per variant (a sweep's runs
    trained together where they can and `together` asks, or is None on a GPU)."""
    cfg = job.config
    dev = pick_device(cfg.device).device
    prepared = prepare(data, dev, cfg.val_size, cfg.limit_train)
    check_sizes([v.config for v in runs], len(prepared.train_x))  # before any run is recorded
    group = new_group_id() if job.kind != "train" else None
    if together is None:
        together = dev.type == "cuda"
    if group and together and together_refusal([v.config for v in runs]) is None:
        yield from _run_together(job, store, runs, prepared, group, should_stop)
        return
    for i, v in enumerate(runs):
        records = train(v.config, prepared, should_stop)
        label = v.label if group else None
        rec = record_run(store, run_name(job, v.label), _kind(job), v.config, records, group, label)
        yield from _tagged(rec, i, v.label)
        if should_stop is not None and should_stop():
            return  # the run just ended cancelled: start no more


def _run_together(job: Job, store: RunStore, runs: list[Variant], prepared, group, should_stop):
    """A sweep's runs stepped together, each recorded as its own run of the group: each record
    goes to its run's recording, which stores it and passes it on."""
    queues: list[deque] = [deque() for _ in runs]

    def fed(k: int):
        while queues[k]:
            yield queues[k].popleft()

    recordings = [
        record_run(store, run_name(job, v.label), _kind(job), v.config, fed(k), group, v.label)
        for k, v in enumerate(runs)
    ]
    producer = train_together([v.config for v in runs], prepared, should_stop)
    try:
        for k, record in producer:
            queues[k].append(record)
            rec = recordings[k]
            yield Tagged(rec.run_id, k, runs[k].label, next(iter(rec)))
    except Exception as e:  # each unfinished run is marked interrupted, as one by one
        for rec in recordings:
            with contextlib.suppress(BaseException):
                rec.records.throw(e)  # type: ignore[attr-defined]
        raise
    finally:
        producer.close()
        for rec in recordings:
            rec.close()


def _lr_find(job: Job, runs, data, store, should_stop, together=None) -> Iterator[Tagged]:
    cfg = job.config
    prepared = prepare(data, pick_device(cfg.device).device, 0, cfg.limit_train)
    check_sizes([cfg], len(prepared.train_x))
    steps = lr_range_test(
        cfg, prepared, job.lr_start, job.lr_end, job.lr_steps, should_stop=should_stop
    )
    yield from _tagged(record_run(store, run_name(job), job.kind, cfg, steps), 0, "")


def _transfer(job: Job, runs, data, store, should_stop, together=None) -> Iterator[Tagged]:
    """Three runs in one group (transfer.py), recorded as "train" runs."""
    from .transfer import transfer_recordings

    for i, (label, rec) in enumerate(transfer_recordings(job.config, data, store, should_stop)):
        yield from _tagged(rec, i, label)


JOB_KINDS = {  # what a Job may ask for -> how it runs; the store's RUN_KINDS are what it records
    "train": _runs,
    "lr-sweep": _runs,
    "batch-sweep": _runs,
    "sweep": _runs,
    "preset": _runs,
    "lr-find": _lr_find,
    "transfer": _transfer,
}
SWEEP_KINDS = ("train", "lr-sweep", "batch-sweep", "sweep", "preset")  # one run per variant
JOB_RUNS = {"transfer": 3}  # runs a job records when not one per value: pretrain, transfer, scratch


def _kind(job: Job) -> str:
    """The store's kind for the job's runs: a preset's are recorded as a sweep's."""
    return "sweep" if job.kind == "preset" else job.kind


def _tagged(rec: Recording, index: int, label: str) -> Iterator[Tagged]:
    """The recording's records, tagged; closing this closes the recording (the run: cancelled)."""
    try:
        for r in rec:
            yield Tagged(rec.run_id, index, label, r)
    finally:
        rec.close()


def failure_message(e: BaseException) -> str:
    """One plain sentence for an exception a job raised."""
    if isinstance(e, ValueError | OSError) and str(e):  # MnistError, ModelSpecError, ...
        return str(e)
    return f"the job failed unexpectedly ({type(e).__name__}: {e})"


def _child(conn, job: Job) -> None:
    """Runs in the child process: the job's tagged records to the parent, then None."""
    threads_beside_gui()  # leave a core to the window's process
    try:
        for t in run_job(job, should_stop=conn.poll):  # any message from the parent means stop
            if getattr(t.record, "model", None) is not None:  # Done, an epoch's Eval
                t = replace(t, record=replace(t.record, model=None))  # the store has it
            conn.send(t)
        conn.send(None)
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        pass
    except Exception as e:  # every failure becomes a message, never a silent death
        if not isinstance(e, ValueError | OSError):
            traceback.print_exc()
        with contextlib.suppress(BrokenPipeError, OSError):
            conn.send(JobFailed(failure_message(e)))
    finally:
        conn.close()


def run_job_in_process(job: Job, heartbeat_s: float = 0.05) -> Iterator[Tagged | None | JobFailed]:
    """`run_job` in a spawned child, so a GUI in this process keeps its interpreter lock.

    Yields the child's Tagged records (Done without its model: load it from the store's
    checkpoint), None every `heartbeat_s` while none arrives, and a JobFailed as the last item if
    the job raised. Closing the generator asks the child to stop between steps (its run ends
    cancelled, records kept) and waits for it (terminating it after STOP_GRACE_S).
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, job), daemon=True, name="backprop-studio job")
    proc.start()
    child.close()
    try:
        while True:
            if parent.poll(heartbeat_s):
                try:
                    msg = parent.recv()
                except EOFError:
                    proc.join(1.0)
                    msg = JobFailed(_died(proc.exitcode))
                if msg is None:
                    return
                yield msg
                if isinstance(msg, JobFailed):
                    return
            elif not proc.is_alive() and not parent.poll(0):
                yield JobFailed(_died(proc.exitcode))
                return
            else:
                yield None
    finally:
        _stop(proc, parent)


def _died(code: int | None) -> str:
    return f"the training process stopped unexpectedly (exit code {code})"


def _stop(proc, conn) -> None:
    """Ask the child to stop, read what it still sends (so it never blocks on a full pipe), wait
    for it, and terminate it if it does not end within STOP_GRACE_S."""
    with contextlib.suppress(BrokenPipeError, OSError):
        conn.send("stop")
    deadline = time.monotonic() + STOP_GRACE_S
    while proc.is_alive() and time.monotonic() < deadline:
        try:
            if conn.poll(0.05):
                conn.recv()
        except (EOFError, OSError):
            proc.join(max(0.0, deadline - time.monotonic()))
            break
    if proc.is_alive():
        proc.terminate()
        proc.join(1.0)
    if proc.is_alive():
        proc.kill()
        proc.join()
    proc.join()
    conn.close()
