"""How the trainer window takes in the insides panel: its actions (for the window's one action
table), its signals, and the transfer-learning job. Kept here so the window's own edit is a few
lines; `w` is the TrainerWindow."""

from __future__ import annotations

from dataclasses import replace

from app.shared.actions import Action
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.records import Eval, Start

TAB = 3  # the insides tab's index in the window's tabs


def insides_actions(w) -> list[Action]:
    return [
        Action(
            "transfer",
            "Transfer learning: 0–4 → 5–9",
            "Train",
            (),
            lambda: start_transfer(w),
            "Pretrain a CNN on 0–4, freeze its convolutions, retrain its classifier on 500 "
            "digits 5–9, beside the same model trained from scratch on them",
        ),
        Action(
            "tab_insides",
            "Inside the model",
            "View",
            ("Alt+4",),
            lambda: w.tabs.setCurrentIndex(TAB),
            "The selected run's model: confusion, mistakes, filters, drawing, feature maps…",
        ),
    ]


def wire_insides(w) -> None:
    w.insides_run = None  # the run whose model the insides show
    w.live_run_id = None  # the run training now (or last)
    w.insides.failed.connect(w.show_error)
    w.insides.transfer_requested.connect(lambda: start_transfer(w))
    w.insides.open_network.connect(w.open_network_requested)  # the app opens the explainer
    w.run_list.itemSelectionChanged.connect(lambda: inspect_selected(w))
    w.runner.finished.connect(lambda: after_transfer(w))
    w.runner.record.connect(  # live, per epoch, only onto the run the insides show
        lambda t: (
            w.insides.weights.add_live(t.record) if w.insides_run in (None, t.run_id) else None
        )
    )
    w.runner.record.connect(lambda t: refresh_live(w, t))
    w.tabs.currentChanged.connect(lambda _: show_live_on_arrival(w))


def _row(w, run_id: int):
    """The store's row of a run, or None if it was deleted meanwhile."""
    try:
        return w.store.run(run_id)
    except (KeyError, ValueError, OSError):
        return None


def show_live_on_arrival(w) -> None:
    """Opening the insides while a run trains shows its latest saved model at once."""
    live = getattr(w, "live_run_id", None)
    if w.tabs.currentIndex() != TAB or live is None or w.insides_run not in (None, live):
        return
    row = _row(w, live)
    if row is not None and row.checkpoint:
        _inspect(w, row)


def refresh_live(w, tagged) -> None:
    """At each epoch's end the training run saves its model; the insides, when they show this
    run (or none yet) and are on screen, look at the new one."""
    rec = tagged.record
    w.live_run_id = tagged.run_id
    if isinstance(rec, Start):  # a new run: the insides follow it until another is selected
        w.insides_run = None
    if not isinstance(rec, Eval) or not float(rec.epoch).is_integer():
        return
    if w.tabs.currentIndex() != TAB or w.insides_run not in (None, tagged.run_id):
        return
    row = _row(w, tagged.run_id)
    if row is not None and row.checkpoint:  # its histograms already come live (add_live)
        _inspect(w, row, read_histograms=w.insides_run != row.id)


def inspect_selected(w) -> None:
    """Look inside the run selected in the run list (if it has a model)."""
    ids = w.run_list.selected_ids()
    row = w.run_list.rows.get(ids[0]) if ids else None
    if row is not None and (row.status != "running" or row.checkpoint):
        _inspect(w, row)


def _inspect(w, row, read_histograms: bool = True) -> None:
    """Show `row`'s model inside; its weight histograms read from the store when asked."""
    w.insides_run = row.id
    w.insides.show_run(row, w.data.folder, w.store if read_histograms else None)


def start_transfer(w) -> None:
    job = w._checked_job("transfer")
    if job is None:
        return
    if job.config.model.name == "mlp":  # freezing needs convolutions: take the fast CNN
        job = replace(job, config=replace(job.config, model=ModelConfig("fast-cnn")))
    w.experiment.begin("transfer", ())
    w._start(job, tab=0)


def after_transfer(w) -> None:
    """Once the transfer experiment ends, its runs are overlaid in Compare runs."""
    if w.job is None or w.job.kind != "transfer":
        return
    mine = [w.run_list.rows[i] for i in w.job_runs if i in w.run_list.rows]  # its own runs
    w.run_list.set_ticked(r.id for r in mine if "5–9" in (r.group_label or ""))  # the two on 5–9
    w.tabs.setCurrentIndex(1)
