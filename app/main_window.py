"""The app: one process, two views (the explainer and the MNIST trainer), each a window of its
own. This module only composes them: it creates each view when first asked for, switches between
them (Ctrl+1 / Ctrl+2, a menu item and a toolbar button in each), and closes both cleanly."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject


class ViewError(ValueError):
    """A view that could not be built; the message says why in one sentence."""


class Studio(QObject):
    def __init__(self, settings_dir: str | Path, restore: bool = True, data_dir=None, store=None):
        super().__init__()
        self.settings_dir = Path(settings_dir)
        self.restore = restore
        self.data_dir = data_dir  # the trainer's MNIST folder (None: the user data folder)
        self.store = store  # the run store's path (None: the user data folder)
        self.views: dict[str, object] = {}

    def view(self, name: str):
        if name not in self.views:
            if name == "explainer":
                from app.explainer.window import ExplainerWindow

                w = ExplainerWindow(self.settings_dir, restore=self.restore)
            else:
                from app.trainer.window import TrainerWindow

                w = TrainerWindow(self.settings_dir, data_dir=self.data_dir, store=self.store)
                w.open_network_requested.connect(self.open_in_explainer)
            w.view_requested.connect(self.show)
            if name == "explainer":
                w.trainer_action_requested.connect(self.trainer_action)
            self.views[name] = w
        return self.views[name]

    def show(self, name: str):
        """Show one view in place of the other (same place and size on the screen). A view that
        cannot be built (an unusable run store) is said in the window on screen, or raised as a
        ViewError when there is none. "quit" closes every view (File → Quit)."""
        if name == "quit":
            self.close_all()
            return None
        try:
            w = self.view(name)
        except ValueError as e:  # RunStoreError and the like: one sentence
            current = next((v for v in self.views.values() if v.isVisible()), None)
            if current is None:
                raise ViewError(f"the {name} cannot open: {e}") from None
            current.show_error(f"the {name} cannot open: {e}")
            return current
        others = [v for k, v in self.views.items() if k != name and v.isVisible()]
        if others and not w.isVisible() and not others[0].isFullScreen():
            # its place and size, within its screen (an explainer 801 px tall on a 768 px
            # screen gave the trainer 823, its status bar under the screen's edge)
            room = others[0].screen().availableGeometry()
            w.setGeometry(others[0].geometry().intersected(room) or others[0].geometry())
        w.show()
        w.raise_()
        w.activateWindow()
        for o in others:
            o.hide()
        return w

    def trainer_action(self, name: str) -> None:
        """A lesson's step that works in the trainer: show it, then trigger its action `name` (one
        of the trainer's own actions, e.g. "lr_find"); a trainer that cannot open says why."""
        w = self.show("trainer")
        action = getattr(w, "qactions", {}).get(name) if w is self.views.get("trainer") else None
        if action is not None:
            action.trigger()

    def open_in_explainer(self, path: str) -> None:
        """A network file from the trainer (one digit through a trained model) in the explainer;
        if it cannot be opened, the explainer says why and keeps what it showed."""
        self.show("explainer").open_network(path)

    def close_all(self) -> None:
        for w in self.views.values():
            w.close()
