"""How the trainer window takes in the insides panel: its actions (for the window's one action
table), its signals, and the transfer-learning job.

The insides talk to the window only through `InsidesHost`, a small public interface (a few public
widgets and methods); their own state (which run they show, which run trains) lives here, in
`InsidesLink`, never as attributes set on the window."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from app.shared.actions import Action
from engine.torch_engine.jobs import Job
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.records import Eval, Start

TAB = 3  # the insides tab's index in the window's tabs


class InsidesHost(Protocol):
    """What the insides use of the trainer window; nothing else of it is touched."""

    insides: object  # the InsidesPanel
    tabs: object  # the QTabWidget of plots (the insides are tab TAB)
    run_list: object  # the RunList: selection, rows, ticks
    store: object  # the RunStore
    data: object  # the DataBox: `.folder` is the MNIST folder
    open_network_requested: object  # Signal(str): a network file for the explainer

    def show_error(self, text: str) -> None: ...

    def checked_job(self, kind: str) -> Job | None:
        """A job of `kind` from the form, or None (the window said why)."""

    def start_job(self, job: Job, tab: int, experiment: bool = False) -> None:
        """Start `job` with tab `tab` shown; `experiment`: its runs make a new experiment plot."""

    def job_runs(self, kind: str) -> list[int] | None:
        """The store's ids of the runs of the job in hand if it is of `kind`, else None."""


class InsidesLink:
    """The insides' part of the trainer: what they show, and when they look again."""

    def __init__(self, host: InsidesHost):
        self.host = host
        self.run: int | None = None  # the run whose model the insides show
        self.live_run: int | None = None  # the run training now (or last)

    def connect(self, runner) -> None:
        """Connect the panel's, the run list's, the tabs' and the runner's signals."""
        h = self.host
        h.insides.failed.connect(h.show_error)
        h.insides.transfer_requested.connect(self.start_transfer)
        h.insides.open_network.connect(h.open_network_requested)  # the app opens the explainer
        h.run_list.itemSelectionChanged.connect(self.inspect_selected)
        runner.finished.connect(self.after_transfer)
        runner.record.connect(self.on_record)
        h.tabs.currentChanged.connect(lambda _: self.show_live_on_arrival())

    def actions(self) -> list[Action]:
        return [
            Action(
                "transfer",
                "Transfer learning: 0–4 → 5–9",
                "Train",
                (),
                self.start_transfer,
                "Pretrain a CNN on 0–4, freeze its convolutions, retrain its classifier on 500 "
                "digits 5–9, beside the same model trained from scratch on them",
            ),
            Action(
                "tab_insides",
                "Inside the model",
                "View",
                ("Alt+4",),
                lambda: self.host.tabs.setCurrentIndex(TAB),
                "The selected run's model: confusion, mistakes, filters, drawing, feature maps…",
            ),
        ]

    def _row(self, run_id: int):
        """The store's row of a run, or None if it was deleted meanwhile."""
        try:
            return self.host.store.run(run_id)
        except (KeyError, ValueError, OSError):
            return None

    def show_live_on_arrival(self) -> None:
        """Opening the insides while a run trains shows its latest saved model at once."""
        live = self.live_run
        if self.host.tabs.currentIndex() != TAB or live is None or self.run not in (None, live):
            return
        row = self._row(live)
        if row is not None and row.checkpoint:
            self._inspect(row)

    def on_record(self, tagged) -> None:
        """Live, per epoch, only onto the run the insides show: the weight histograms; at each
        epoch's end the training run saves its model, and the insides, when they show this run
        (or none yet) and are on screen, look at the new one."""
        if self.run in (None, tagged.run_id):
            self.host.insides.weights.add_live(tagged.record)
        rec = tagged.record
        self.live_run = tagged.run_id
        if isinstance(rec, Start):  # a new run: the insides follow it until another is selected
            self.run = None
        if not isinstance(rec, Eval) or not float(rec.epoch).is_integer():
            return
        if self.host.tabs.currentIndex() != TAB or self.run not in (None, tagged.run_id):
            return
        row = self._row(tagged.run_id)
        if row is not None and row.checkpoint:  # its histograms already come live (add_live)
            self._inspect(row, read_histograms=self.run != row.id)

    def inspect_selected(self) -> None:
        """Look inside the run selected in the run list (if it has a model)."""
        rl = self.host.run_list
        ids = rl.selected_ids()
        row = rl.rows.get(ids[0]) if ids else None
        if row is not None and (row.status != "running" or row.checkpoint):
            self._inspect(row)

    def _inspect(self, row, read_histograms: bool = True) -> None:
        """Show `row`'s model inside; its weight histograms read from the store when asked."""
        h = self.host
        self.run = row.id
        shown = h.run_list.names.get(row.id, row.name)  # "… (5)": which of runs named alike
        if shown and shown != row.name:
            row = replace(row, name=shown)
        h.insides.show_run(row, h.data.folder, h.store if read_histograms else None)

    def start_transfer(self) -> None:
        job = self.host.checked_job("transfer")
        if job is None:
            return
        if job.config.model.name == "mlp":  # freezing needs convolutions: take the fast CNN
            job = replace(job, config=replace(job.config, model=ModelConfig("fast-cnn")))
        self.host.start_job(job, tab=0, experiment=True)

    def after_transfer(self) -> None:
        """Once the transfer experiment ends, its runs are overlaid in Compare runs."""
        runs = self.host.job_runs("transfer")
        if runs is None:
            return
        rl = self.host.run_list
        mine = [rl.rows[i] for i in runs if i in rl.rows]  # its own runs
        rl.set_ticked(r.id for r in mine if "5–9" in (r.group_label or ""))  # the two on 5–9
        self.host.tabs.setCurrentIndex(1)
