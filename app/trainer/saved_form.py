"""What the trainer's next session starts from: the run settings in the form and the MNIST
folder chosen, kept in the trainer's settings file (the Experiment tab's last experiment is
last_experiment.py's)."""

from __future__ import annotations

import json
from pathlib import Path


def saved_folder(settings) -> str | None:
    """The MNIST folder chosen last time, when it is still a folder (else the default)."""
    saved = settings.value("mnist_folder")
    return saved if isinstance(saved, str) and saved and Path(saved).is_dir() else None


def restore_form(settings, form) -> None:
    try:
        saved = json.loads(str(settings.value("form", "")))
    except (ValueError, RecursionError):  # none yet, or a damaged file: the form's defaults
        return  # ("[[[[…" 200,000 deep stopped the trainer from starting)
    if isinstance(saved, dict):
        form.set_values(saved.get("values"), saved.get("lr_typed") is True)


def save_form(settings, form, folder) -> None:
    settings.setValue("form", json.dumps({"values": form.values(), "lr_typed": form._lr_typed}))
    settings.setValue("mnist_folder", str(folder))
