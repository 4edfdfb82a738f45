"""The trainer's File actions: plots exported, a run's model saved, a model loaded, every run's
records exported. A mixin of TrainerWindow (it reads the window's tabs, run list and store);
every write is checked first and atomic, and a failure is one sentence in the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.trainer.files import export_scene, import_checkpoint
from engine.atomic import atomic_write_bytes
from engine.safe_io import check_output_path


def copy_atomically(source: str, path: str, held=()) -> None:
    """A checkpoint copied to where the user chose: the path checked first (never the source,
    nor a file in `held`), the write atomic."""
    check_output_path(path, "the model file", [*held, (source, "the model it copies")])
    atomic_write_bytes(path, Path(source).read_bytes())


class FileActions:
    def held_files(self) -> list:
        """Files the window holds or reads: no output may be written over them (the run store,
        every run's model file)."""
        models = [(r.checkpoint, f"the model of run {r.id}") for r in self.run_list.rows.values()]
        return self.store.held_files() + [(p, what) for p, what in models if p]

    def _checked(self, path: str, what: str) -> None:
        check_output_path(path, what, self.held_files())

    def export_plots(self, kind: str, path: str | None = None) -> None:
        scenes, i = self.tabs.scenes(), self.tabs.currentIndex()
        scene = scenes[i] if i < len(scenes) else self.insides.current_scene()
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export plots", f"plots.{kind}", f"*.{kind}"
            )
        if path:
            self._try(
                lambda: (self._checked(path, "the plots"), export_scene(scene, path, kind)),
                f"plots written to {path}",
            )

    def save_model(self, rid: int | None = None, path: str | None = None) -> None:
        ids = [rid] if rid is not None else (self.run_list.selected_ids() or self.run_list.ticked())
        row = self.run_list.rows.get(ids[0]) if ids else None
        if row is None or not row.checkpoint or not Path(row.checkpoint).is_file():
            self.show_error("select a finished run that has a model to save")
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save model", f"{row.name}.pt", "*.pt")
        if path:
            self._try(
                lambda: copy_atomically(row.checkpoint, path, self.held_files()),
                f"model saved to {path}",
            )

    def load_model(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load model", "", "Checkpoints (*.pt)")
        if not path:
            return
        found: list[tuple[int, bool]] = []
        if self._try(lambda: found.append(import_checkpoint(self.store, path)), f"{path} loaded"):
            rid, already = found[0]
            self.refresh_runs()
            self.run_list.select(rid)
            if already:
                name = self.store.run(rid).name
                self.say(f"already in the run list: '{name}', selected ({path})")

    def export_runs(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export runs", "runs.csv", "*.csv")
        if path:
            self._try(
                lambda: (self._checked(path, "the export"), self.store.export_csv(path)),
                f"every run's records written to {path}",
            )

    def _try(self, work, done: str) -> bool:
        try:
            work()
        except (OSError, ValueError) as e:
            self.show_error(str(e))
            return False
        self.say(done)
        return True
