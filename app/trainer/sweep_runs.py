"""A sweep of any one setting with repeated seeds, and the preset experiments, as the trainer
window runs them: the values checked by the engine (sweepable.py), the job made (jobs.Job kind
"sweep", or presets.preset_job), each record drawn under its value in the Experiment tab
(sweep_plots.py), and at the end the engine's one-sentence reading of the numbers
(presets.reading) shown above the plots with the overlap table beside them. Nothing here computes
a figure; the window's run machinery (JobRunner, the run store) is the one every run uses."""

from __future__ import annotations

from engine.torch_engine.jobs import Job, variants
from engine.torch_engine.presets import PRESETS, preset_job, reading, run_row
from engine.torch_engine.records import Done, Eval
from engine.torch_engine.sweepable import MAX_RUNS, SWEEPABLE, value_text

SWEEP_KINDS = ("sweep", "preset")  # the jobs drawn as bands in the Experiment tab


def value_labels(job: Job) -> tuple[list[str], str]:
    """What each value is called on the plots and in the tables ("0.5", a preset's cure "early
    stopping", an MLP's "256,128"), and what the values are ("Dropout", "cure"): short labels
    keep the legend and the tables readable at lecturer size."""
    s = SWEEPABLE.get(job.param)
    if s is None:  # a preset whose values name its variants
        return [str(v) for v in job.values], "cure"
    return [value_text(job.param, v) for v in job.values], s.label


def title(job: Job) -> str:
    """The experiment's name above its plots: a preset's title, or "<setting> sweep"."""
    if job.kind == "preset":
        return PRESETS[job.preset].title
    return f"{SWEEPABLE[job.param].label} sweep"


def start_setting_sweep(w) -> None:
    """The Experiments box's sweep: the chosen setting's values, each with `repeats` seeds."""
    e = w.experiments
    checked = w.form.check()
    model = checked.config.model.name if checked.config is not None else None
    values, err = e.sweep_values(model)
    err = f"Values: {err}" if err else ""
    repeats, rerr = e.repeats_value()
    if not (err or rerr) and len(values) * repeats > MAX_RUNS:  # as the command line's sweep
        rerr = f"Repeats: {len(values)} values × {repeats} repeats is over {MAX_RUNS} runs"
    e.show_error(err or rerr)
    if err or rerr:  # said where it is seen too: the box's line was under the screen's edge
        w.show_error(f"the sweep was not started: {err or rerr}")
        return
    job = w.checked_job("sweep", param=e.param(), values=tuple(values), repeats=repeats)
    if job is not None:
        _begin(w, job, title(job))


def start_preset(w, key: str) -> None:
    """A preset experiment, one click: its runs made by the engine from the form's settings."""
    base = w.checked_job("train")
    if base is None:
        return
    try:
        job = preset_job(key, base.config, base.data_dir, base.store_path)
    except ValueError as err:  # the form's settings do not suit the preset: one sentence
        w.show_error(str(err))
        return
    _begin(w, job, title(job))


def show_key(w, job: Job) -> None:
    """The key under the plots names what this sweep can draw: seed bands with repeats, the
    early-stopping marks where a run has patience."""
    stops = any(v.config.patience for v in variants(job))
    w.tabs.exp_tab.set_key(job.repeats > 1, stops)


def _begin(w, job: Job, title: str) -> None:
    w.experiments.show_error("")
    labels, name = value_labels(job)
    w.sweep.begin(title, labels, name)
    w.tabs.exp_tab.set_value_name(name)
    show_key(w, job)
    w.tabs.exp_tab.set_reading("")  # the last sweep's reading and rows are not this one's
    w.tabs.exp_tab.update_table()
    w.start_job(job, tab=2)
    w.say(f"{title}: {job.runs} runs")


def add(w, tagged) -> None:
    """A record of the sweep: drawn under its value (run index = value · repeats + repeat)."""
    value_index = tagged.run_index // max(1, w.job.repeats)
    w.sweep.add(value_index, tagged)
    if isinstance(tagged.record, Done):
        w.tabs.exp_tab.update_table()


def rows(job: Job, sweep) -> list[dict]:
    """The finished runs as the CLI's --json rows (presets.run_row), in run order."""
    out = []
    for run_id in sorted(sweep.runs, key=lambda r: sweep.runs[r]["index"]):
        run = sweep.runs[run_id]
        if run["done"] is None:
            continue
        value, seed = job.value_and_seed(run["index"])
        evals = [e for e in run["records"] if isinstance(e, Eval)]
        out.append(run_row(value, seed, run["done"], evals))
    return out


def finish(w, job: Job | None = None) -> None:
    """The sweep ended (finished, stopped or failed): the reading from what did finish. `job`:
    the sweep's (default the window's job in hand; a restored sweep's is not in hand)."""
    job = job or w.job
    got = rows(job, w.sweep)
    w.tabs.exp_tab.update_table()
    if not got:
        w.tabs.exp_tab.set_reading("")
        return
    try:
        text = reading(job.preset or job.param, got)
    except ValueError as err:  # too few runs finished to read anything
        text = str(err)
    w.tabs.exp_tab.set_reading(text)
