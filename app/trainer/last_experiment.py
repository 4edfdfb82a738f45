"""The Experiment tab's last experiment, kept across sessions. Its runs were in the run list
after a restart but the tab was empty: the plots, the tables and the reading of an overfitting
preset or an LR sweep that took minutes were gone. At quit the job (its settings, values,
repeats) and its runs' store ids are saved with the trainer's settings; at start the runs'
records are read back from the store and drawn again the way they were drawn live, and a
sweep's reading is made again by the engine from them. A run deleted since is left out; a job
whose runs are all gone, or a saved entry that cannot be read, leaves the tab empty."""

from __future__ import annotations

import json
from dataclasses import asdict

from app.trainer import sweep_runs
from engine.torch_engine.checkpoint import config_from_dict
from engine.torch_engine.jobs import Job, Tagged
from engine.torch_engine.records import KINDS as RECORD_KINDS
from engine.torch_engine.records import Done, Eval, Histograms, Start, from_dict

KEY = "last_experiment"
EXPERIMENT_KINDS = ("lr-sweep", "batch-sweep", "lr-find")  # drawn by ExperimentPlots
KINDS = (*sweep_runs.SWEEP_KINDS, *EXPERIMENT_KINDS)


def _tuples(v):
    """JSON's lists back to the tuples a Job's values are (an MLP's hidden sizes (256, 128))."""
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


def job_to_json(job: Job) -> dict:
    d = asdict(job)
    d["config"] = asdict(job.config)
    return d


def job_from_json(d) -> Job:
    """The Job `job_to_json` made; ValueError (or TypeError, KeyError) when `d` is not one."""
    if not isinstance(d, dict) or d.get("kind") not in KINDS:
        raise ValueError("not a saved experiment")
    fields = {k: _tuples(v) for k, v in d.items() if k != "config"}
    return Job(**{**fields, "config": config_from_dict(d["config"])})


def save(w) -> None:
    """The window's job in hand, if it is an experiment with runs, and its runs' store ids
    with their places in the job."""
    job = w.job
    if job is None or job.kind not in KINDS:
        return  # a single run since: the last experiment stays the one saved
    if job.kind in sweep_runs.SWEEP_KINDS:
        runs = [(rid, r["index"]) for rid, r in w.sweep.runs.items()]
    else:
        runs = [(rid, k) for k, rid in enumerate(w.job_run_ids)]
    if runs:
        w.settings.setValue(KEY, json.dumps({"job": job_to_json(job), "runs": runs}))


def restore(w) -> bool:
    """Draw the saved experiment again from the store; whether there was one to draw."""
    try:
        saved = json.loads(str(w.settings.value(KEY, "")))
        job = job_from_json(saved["job"])
        runs = [(int(rid), int(k)) for rid, k in saved["runs"]]
    except (ValueError, TypeError, KeyError):  # none saved, or not readable: an empty tab
        return False
    kinds = _drawn_kinds(job)
    found = []
    for rid, k in runs:
        try:
            row = w.store.run(rid)
            records = [from_dict(d) for d in w.store.records(rid, kinds)]
        except (OSError, ValueError, KeyError, TypeError):  # deleted since, or unreadable
            continue
        found.append([Tagged(rid, k, row.group_label or "", rec) for rec in records])
    if not found:
        return False
    _draw(w, job, found)
    return True


def _drawn_kinds(job: Job) -> tuple[str, ...]:
    """The records the plots draw: a sweep's epoch figures only (a long run's steps, tens of
    thousands, are not read at start); never the weight histograms."""
    if job.kind in sweep_runs.SWEEP_KINDS:
        return (Start.kind, Eval.kind, Done.kind)
    return tuple(k for k in RECORD_KINDS if k != Histograms.kind)


def _draw(w, job: Job, runs: list[list[Tagged]]) -> None:
    """The job's runs drawn as the window draws them live, the reading made again."""
    sweep = job.kind in sweep_runs.SWEEP_KINDS
    if sweep:
        labels, name = sweep_runs.value_labels(job)
        w.sweep.begin(sweep_runs.title(job), labels, name)
        w.tabs.exp_tab.set_value_name(name)
    else:
        w.experiment.begin(job.kind, job.values)
    w.style_experiment()  # the new plots in the window's look, as a new experiment's
    w.tabs.exp_tab.show_sweep(sweep)
    for tagged_records in runs:
        for tagged in tagged_records:
            if sweep:
                w.sweep.add(tagged.run_index // max(1, job.repeats), tagged)
            else:
                w.experiment.add(tagged)
    if sweep:
        sweep_runs.finish(w, job)  # not the window's job in hand: no run of it is going on
    elif w.experiment.suggestion is not None:
        w.experiments.use_button.setEnabled(True)
    w.tabs.exp_tab.current_scene().redraw()
