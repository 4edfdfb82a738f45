"""The Experiment tab's last experiment, kept across sessions. Its runs were in the run list
after a restart but the tab was empty: the plots, the tables and the reading of an overfitting
preset or an LR sweep that took minutes were gone. The window tells this keeper each experiment
it starts and each of its runs' first record; at quit the job (its settings, values, repeats),
the store it ran in and its runs (store id, place in the job, group) are saved with the
trainer's settings. At start the runs' records are read back from the store off the GUI thread
and drawn the way they were drawn live, and a sweep's reading is made again by the engine.

A saved entry is believed only as far as the engine's own checks go: the values parse as the
sweep's field would take them, the engine makes the job's runs from it, and each run drawn is
still in the same store with the same group. A run deleted since is left out; anything else
(a damaged entry, another store, a failure while drawing) leaves the tab empty and the window
working."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from superqt.utils import create_worker

from app.trainer import sweep_runs
from engine.torch_engine.checkpoint import config_from_dict
from engine.torch_engine.jobs import Job, Tagged, variants
from engine.torch_engine.presets import PRESETS
from engine.torch_engine.records import KINDS as RECORD_KINDS
from engine.torch_engine.records import Done, Eval, Histograms, Start, from_dict
from engine.torch_engine.settings import lr_range, sweep_values
from engine.torch_engine.sweepable import MAX_RUNS, SWEEPABLE, value_text

KEY = "last_experiment"
EXPERIMENT_KINDS = ("lr-sweep", "batch-sweep", "lr-find")  # drawn by ExperimentPlots
KINDS = (*sweep_runs.SWEEP_KINDS, *EXPERIMENT_KINDS)
SWEPT = {"lr-sweep": "lr", "batch-sweep": "batch_size"}  # the one-click sweeps' settings


def _tuples(v):
    """JSON's lists back to the tuples a Job's values are (an MLP's hidden sizes (256, 128))."""
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


def job_to_json(job: Job) -> dict:
    d = asdict(job)
    d["config"] = asdict(job.config)
    return d


def job_from_json(d) -> Job:
    """The Job `job_to_json` made, checked as the window checks a new one: ValueError when `d`
    is not one (any field of the wrong type or outside what the engine takes)."""
    try:
        if not isinstance(d, dict) or d.get("kind") not in KINDS:
            raise ValueError("not an experiment")
        fields = {k: _tuples(v) for k, v in d.items() if k != "config"}
        job = Job(**{**fields, "config": config_from_dict(d["config"])})
        _check(job)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as e:
        raise ValueError(f"not a saved experiment ({e})") from None
    return job


def _check(job: Job) -> None:
    """The job's values as the sweep's own field would have parsed them, and its runs as the
    engine makes them; raises when they are not."""
    if type(job.repeats) is not int or not 1 <= job.repeats <= MAX_RUNS:
        raise ValueError("repeats")
    if not isinstance(job.values, tuple) or len(job.values) * job.repeats > MAX_RUNS:
        raise ValueError("values")
    if job.kind == "lr-find":
        got, err = lr_range(str(job.lr_start), str(job.lr_end), str(job.lr_steps))
        if err or got != (job.lr_start, job.lr_end, job.lr_steps):
            raise ValueError(err or "lr range")
        return
    param = SWEPT.get(job.kind, job.param)
    if job.kind == "preset" and job.preset not in PRESETS:
        raise ValueError("preset")
    if job.kind != "preset":
        if param not in SWEEPABLE or not job.values:
            raise ValueError("param")
        text = "; ".join(value_text(param, v) for v in job.values)
        parsed, err = sweep_values(param, text, job.config.model.name)
        if err or tuple(parsed) != job.values:
            raise ValueError(err or "values")
    variants(job)  # the engine makes its runs from it


class LastExperiment:
    """What the Experiment tab shows, as the next session will find it."""

    def __init__(self, window):
        self.w = window
        self.job: Job | None = None  # the experiment shown (started, or restored)
        self.runs: dict[int, int] = {}  # store id -> its place in the job
        self.worker = None  # reading a saved experiment's records
        self.done = False  # the restore has ended (drawn, or nothing to draw)

    def started(self, job: Job) -> None:
        """A job started: an experiment replaces the one kept; a single run keeps it."""
        if job.kind in KINDS:
            self.job, self.runs = job, {}

    def seen(self, tagged) -> None:
        """A record of the job in hand: its run is one of the experiment's."""
        if self.w.job is self.job and self.job is not None:
            self.runs.setdefault(tagged.run_id, tagged.run_index)

    def save(self) -> None:
        """The experiment shown, with its runs' groups as the store has them now."""
        runs = []
        for rid, k in self.runs.items():
            try:
                runs.append([rid, k, self.w.store.run(rid).group_id])
            except (OSError, ValueError, KeyError):  # deleted: not drawn next time either
                continue
        if self.job is None or not runs:
            return  # nothing shown: the one saved before stays
        entry = {"job": job_to_json(self.job), "store": str(self.w.store.path), "runs": runs}
        self.w.settings.setValue(KEY, json.dumps(entry))

    def restore(self) -> None:
        """Read the saved experiment's records off the GUI thread, then draw them."""
        try:
            entry = json.loads(str(self.w.settings.value(KEY, "")))
            job = job_from_json(entry["job"])
            runs = _saved_runs(entry, job, self.w.store.path)
        except (ValueError, TypeError, KeyError, RecursionError):  # none, or not believed
            self.done = True
            return
        w = create_worker(_read, self.w.store, job, runs, _start_thread=False, _ignore_errors=True)
        w.returned.connect(lambda found: self._draw(job, found))
        w.errored.connect(lambda _: setattr(self, "done", True))
        self.worker = w
        w.start()

    def _draw(self, job: Job, found: dict[int, tuple[int, str, list]]) -> None:
        """The job's runs drawn as the window draws them live, the reading made again; any
        failure leaves the tab empty (a window that opens matters more than a restored tab)."""
        w = self.w
        try:
            if found and w.job is None:  # not while a new job has started meanwhile
                _redraw(w, job, found)
                self.job, self.runs = job, {rid: got[0] for rid, got in found.items()}
        except Exception:  # noqa: BLE001 (see the docstring)
            w.sweep.begin("", ())
            w.experiment.begin("", ())
            w.tabs.exp_tab.set_reading("")
            w.tabs.exp_tab.show_sweep(False)
        self.done = True


def _saved_runs(entry: dict, job: Job, store: Path) -> list[tuple[int, int, str | None]]:
    """(store id, place in the job, group) of each saved run, when the entry's store is this
    one and each place fits the job."""
    if Path(str(entry["store"])).resolve() != Path(store).resolve():
        raise ValueError("another store")
    out = []
    for rid, k, group in entry["runs"]:
        if (
            type(rid) is not int
            or type(k) is not int
            or not (0 < rid < 2**62 and 0 <= k < job.runs)
        ):
            raise ValueError("a run")
        if group is not None and not isinstance(group, str):
            raise ValueError("a group")
        out.append((rid, k, group))
    return out


def _read(store, job: Job, runs) -> dict[int, tuple[int, str, list]]:
    """Worker: each saved run still in the store with its group: (its place in the job, its
    label in the job, its records that are drawn)."""
    kinds = _drawn_kinds(job)
    found = {}
    for rid, k, group in runs:
        try:
            row = store.run(rid)
            if row.group_id != group:
                continue  # another run has this id now
            records = [from_dict(d) for d in store.records(rid, kinds)]
            found[rid] = (k, row.group_label or "", records)
        except (OSError, ValueError, KeyError, TypeError):  # deleted since, or unreadable
            continue
    return found


def _drawn_kinds(job: Job) -> tuple[str, ...]:
    """The records the plots draw: a sweep's epoch figures only (a long run's steps, tens of
    thousands, are not read); never the weight histograms."""
    if job.kind in sweep_runs.SWEEP_KINDS:
        return (Start.kind, Eval.kind, Done.kind)
    return tuple(k for k in RECORD_KINDS if k != Histograms.kind)


def _redraw(w, job: Job, found: dict[int, tuple[int, str, list]]) -> None:
    sweep = job.kind in sweep_runs.SWEEP_KINDS
    if sweep:
        labels, name = sweep_runs.value_labels(job)
        w.sweep.begin(sweep_runs.title(job), labels, name)
        w.tabs.exp_tab.set_value_name(name)
        sweep_runs.show_key(w, job)
        if job.kind == "sweep":  # the Experiments box says what the tab shows
            box = w.experiments
            box.set_param(job.param)
            box.values.setText("; ".join(value_text(job.param, v) for v in job.values))
            box.repeats.setText(str(job.repeats))
    else:
        w.experiment.begin(job.kind, job.values)
    w.style_experiment()  # the new plots in the window's look, as a new experiment's
    w.tabs.exp_tab.show_sweep(sweep)
    for rid, (k, label, records) in sorted(found.items(), key=lambda item: item[1][0]):
        for rec in records:
            tagged = Tagged(rid, k, label, rec)
            if sweep:
                w.sweep.add(k // max(1, job.repeats), tagged)
            else:
                w.experiment.add(tagged)
    if sweep:
        sweep_runs.finish(w, job)  # not the window's job in hand: no run of it is going on
    elif w.experiment.suggestion is not None:
        w.experiments.use_button.setEnabled(True)
    w.tabs.exp_tab.current_scene().redraw()
