"""The trainer window's run list, kept in step with the run store: listing the runs (and
noticing one whose process died), overlaying the ticked ones under Compare runs, renaming,
deleting and reusing a run's settings. A mixin of TrainerWindow: it reads the window's store,
run list, runner, form and compare plots."""

from __future__ import annotations

from engine.torch_engine.curves import run_curves
from engine.torch_engine.runstore import RunStoreError


class RunListActions:
    def refresh_runs(self, quiet: bool = False) -> None:
        """The run list from the store (a problem said, unless `quiet`: a poll says nothing)."""
        try:
            rows = self.store.runs()
        except RunStoreError as e:
            if not quiet:
                self.show_error(str(e))
            return
        self.run_list.set_runs(rows, set(self.run_list.ticked()))
        self.update_compare(quiet)

    def _poll_runs(self) -> None:
        """Idle, with a run listed as running (another process's): list again, which marks it
        interrupted once its process is gone."""
        rows = self.run_list.rows.values()
        if not self.runner.running and any(r.status == "running" for r in rows):
            self.refresh_runs(quiet=True)

    def update_compare(self, quiet: bool = False) -> None:
        """The ticked runs' curves (a run whose records cannot be read: said, unless `quiet`,
        and drawn empty; a poll every 3 s had opened a box each time)."""
        runs, problems = {}, []
        for rid in self.run_list.ticked():
            row = self.run_list.rows.get(rid)
            if row is not None:
                try:
                    curves = self._run_curves(row)
                except RunStoreError as e:  # its records changed by another program
                    problems.append(str(e))
                    curves = run_curves([])
                runs[rid] = (self.run_list.names[rid], self.run_list.colours[rid], curves)
        self.compare.set_runs(runs)
        if problems and not quiet:
            self.show_error(problems[0])

    def _run_curves(self, row):
        """A run's curves from the store; a finished run's are read once and kept."""
        kept = self._curves.get(row.id)
        if kept is not None and row.finished is not None and kept[0] == row.finished:
            return kept[1]
        curves = run_curves(self.store.records(row.id, ("step", "eval")))
        if row.finished is not None:
            self._curves[row.id] = (row.finished, curves)
        return curves

    def _rename(self, rid: int, name: str) -> None:
        try:
            self.store.rename(rid, name)
        except RunStoreError as e:  # busy, read-only, damaged: said, the list as it is
            self.show_error(f"not renamed: {e}")
        self.refresh_runs()

    def _delete(self, ids: list) -> None:
        running = [r for r in ids if self.run_list.rows[r].status == "running"]
        if running and self.runner.running:
            self.show_error("a run that is training cannot be deleted; stop it first")
            ids = [r for r in ids if r not in running]
        try:
            for rid in ids:
                self.store.delete(rid)
        except RunStoreError as e:
            self.show_error(f"not deleted: {e}")
        self.refresh_runs()

    def _reuse(self, rid: int) -> None:
        try:
            self.form.set_config(self.store.config(rid))
        except RunStoreError as e:
            self.show_error(str(e))
