"""The explainer window's table of actions (title, menu, keys, handler), each handler guarded so
that whatever a key press runs, its exception is shown and logged, never passed to Qt."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from app.shared.actions import Action, keys_html, quit_action
from app.shared.messages import open_box

from . import jumps
from .code_export import code_actions
from .guide_dialog import show_guide
from .lesson_mode import lesson_actions

EXPORTS = (
    ("png", "Drawing as PNG…"),
    ("svg", "Drawing as SVG…"),
    ("tex", "This step's equations as LaTeX…"),
    ("csv", "This step's equations as CSV…"),
    ("gif", "This step as an animated GIF…"),
    ("frames", "This step as PNG frames…"),
)


def explainer_actions(w) -> list[Action]:
    """Every action of window `w`, once: menus, shortcuts and the keys help read it."""
    return [*_file_actions(w), *_step_actions(w), *_view_actions(w), *lesson_actions(w)]


def _file_actions(w) -> list[Action]:
    g = w.guard
    return [
        Action("open", "Open network file…", "File", ("Ctrl+O",), g(w.open_network_dialog)),
        Action("csv", "Import CSV data…", "File", (), g(w.import_csv_dialog)),
        Action("save", "Save session…", "File", ("Ctrl+S",), g(w.save_session_dialog)),
        Action("open_session", "Open session…", "File", (), g(w.open_session_dialog)),
        *(
            Action(f"export_{k}", t, "File/Export", (), g(lambda k=k: w.export_dialog(k)))
            for k, t in EXPORTS
        ),
        *code_actions(w),
        quit_action(w),
    ]


def _step_actions(w) -> list[Action]:
    ex, g = w.explainer, w.guard

    def phase(p):
        return g(lambda: w.lessons.jump_phase(p))  # asked in prediction mode

    return [
        Action("next", "Next number", "Step", ("Space", "Right"), g(lambda: w.lessons.next_key())),
        Action("back", "Back one number", "Step", ("Left",), g(ex.back)),
        Action("home", "Start of this step", "Step", ("Home",), g(ex.home)),
        Action("end", "End of this step", "Step", ("End",), g(ex.end)),
        Action("forward", "Forward phase", "Step", ("1",), phase("forward")),
        Action("loss", "Loss phase", "Step", ("2",), phase("loss")),
        Action("backward", "Backward phase", "Step", ("3",), phase("backward")),
        Action("update", "Update phase", "Step", ("4",), phase("update")),
        Action(
            "next_part",
            "Next part (a layer's z, a, δ, gradients)",
            "Step",
            ("]",),
            g(lambda: jumps.next_part(ex)),
        ),
        Action("prev_part", "Previous part", "Step", ("[",), g(lambda: jumps.previous_part(ex))),
        Action(
            "largest",
            "The largest here (unit, δ, gradient)",
            "Step",
            ("M",),
            g(lambda: jumps.to_largest(ex)),
        ),
        Action(
            "step", "Next training step", "Step", ("N",), g(lambda: w.lessons.next_training_step())
        ),
        Action("play", "Play / pause", "Step", ("P",), w.controls.play.toggle),
        Action(
            "train",
            "Train continuously / pause",
            "Step",
            ("T",),
            g(lambda: w.set_training(not ex.training)),
        ),
    ]


def _view_actions(w) -> list[Action]:
    g = w.guard
    return [
        Action("gradcheck", "Gradient check", "View", ("G",), g(w.show_gradient_check)),
        Action("lecturer", "Lecturer mode", "View", ("F11",), g(w.toggle_lecturer)),
        Action("leave", "Leave lecturer mode", "", ("Escape",), g(lambda: w.set_lecturer(False))),
        Action(
            "side_plot",
            "Side plot: loss, data, none",
            "View",
            ("S",),
            g(w.lecture.cycle_side),
            "In lecturer mode: the loss curve, then the data with the decision map, then no plot"
            " beside the drawing",
        ),
        Action(
            "to_trainer",
            "MNIST trainer",
            "Go",
            ("Ctrl+2",),
            g(lambda: w.view_requested.emit("trainer")),
            "Open the MNIST trainer window",
        ),
        Action("guide", "Guide", "Help", ("F1",), g(lambda: show_guide(w)), "Open the guide"),
        Action("keys", "Keys", "Help", (), g(lambda: show_keys(w))),
        Action("welcome", "Welcome", "Help", (), g(lambda: w.welcome.show_again())),
    ]


def show_keys(w) -> None:
    open_box(w, keys_html(w.table), "Keys", rich=True)


def add_panel_actions(w: QMainWindow, docks: dict) -> None:
    """View lists every panel by name: ticking one brings a closed panel back."""
    menu = next(
        (
            a.menu()
            for a in w.menuBar().actions()
            if a.menu() is not None and a.text().replace("&", "") == "View"
        ),
        None,
    ) or w.menuBar().addMenu("&View")
    menu.addSeparator()
    menu.addSection("Panels")
    for name, dock in docks.items():
        act = dock.toggleViewAction()
        act.setText(f"{name} panel")
        act.setStatusTip(f"show or hide the {name} panel")
        menu.addAction(act)
