"""The trainer window's one table of actions (see app/shared/actions.py)."""

from __future__ import annotations

from app.shared.actions import Action, quit_action
from app.trainer import sweep_runs
from engine.torch_engine.presets import PRESETS


def trainer_actions(w) -> list[Action]:
    """Every action of the trainer window, once: menus, shortcuts and the keys help read it."""
    return [*_train(w), *_file(w), *_view(w)]


def _train(w) -> list[Action]:
    """Train: a run, the one-click sweeps, the chosen setting's sweep, the preset experiments."""
    return [
        Action(
            "run",
            "Run / stop",
            "Train",
            ("Ctrl+Return",),
            w.toggle_run,
            "Start a training run with these settings, or stop the one running",
        ),
        Action("lr_sweep", "Learning-rate sweep", "Train", (), lambda: w.start_sweep("lr-sweep")),
        Action(
            "batch_sweep",
            "Batch-size sweep",
            "Train",
            (),
            lambda: w.start_sweep("batch-sweep"),
        ),
        Action("lr_find", "LR range test", "Train", (), w.start_lr_find),
        Action(
            "sweep",
            "Sweep the chosen setting",
            "Train",
            ("Ctrl+Shift+S",),
            lambda: sweep_runs.start_setting_sweep(w),
            "Run the Experiments box's sweep: each value with its repeats",
        ),
        *(
            Action(
                f"preset_{key}",
                f"Preset: {p.title}",
                "Train",
                (f"Ctrl+Shift+{n}",),
                lambda k=key: sweep_runs.start_preset(w, k),
                p.what,
            )
            for n, (key, p) in enumerate(PRESETS.items(), 1)
        ),
    ]


def _file(w) -> list[Action]:
    return [
        Action("export_png", "Export plots as PNG…", "File", (), lambda: w.export_plots("png")),
        Action("export_svg", "Export plots as SVG…", "File", (), lambda: w.export_plots("svg")),
        Action("save_model", "Save the selected run's model…", "File", ("Ctrl+S",), w.save_model),
        Action("load_model", "Load a model…", "File", ("Ctrl+O",), w.load_model),
        Action("export_runs", "Export every run's records as CSV…", "File", (), w.export_runs),
        Action("close", "Close", "File", ("Ctrl+W",), w.close),
        quit_action(w),
    ]


def _view(w) -> list[Action]:
    """View, Go and Help: the look, the tabs, the run list, the other window, the keys."""
    return [
        Action("log", "Log / linear y axis", "View", ("L",), w.log_box.toggle),
        Action("lecturer", "Lecturer mode", "View", ("F11",), w.toggle_lecturer),
        Action("leave", "Leave lecturer mode", "", ("Escape",), lambda: w.set_lecturer(False)),
        Action("tab_live", "Live run", "View", ("Alt+1",), lambda: w.tabs.setCurrentIndex(0)),
        Action(
            "tab_compare",
            "Compare runs",
            "View",
            ("Alt+2",),
            lambda: w.tabs.setCurrentIndex(1),
        ),
        Action(
            "tab_experiment",
            "Experiment",
            "View",
            ("Alt+3",),
            lambda: w.tabs.setCurrentIndex(2),
        ),
        Action(
            "run_list",
            "Run list",
            "View",
            ("R",),
            lambda: w.docks["Runs"].setVisible(not w.docks["Runs"].isVisible()),
            "Show or hide the run list: lecturer mode hides it, and Compare runs needs it",
        ),
        Action(
            "to_explainer",
            "Explainer",
            "Go",
            ("Ctrl+1",),
            lambda: w.view_requested.emit("explainer"),
            "Back to the step-by-step explainer",
        ),
        Action("keys", "Keys", "Help", ("F1",), w.show_keys),
    ]
