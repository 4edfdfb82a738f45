"""Compare runs and the run list's names: a run without records says so in the legend, runs of
one colour are told apart by their line, runs that share a name are numbered."""

import pytest
from PySide6.QtCore import Qt


def test_a_run_without_records_says_so_in_the_compare_legend(qtbot):
    """A loaded model has a name in the legend but no curve: the name says why."""
    import numpy as np

    from app.trainer.compare_plots import ComparePlots
    from engine.torch_engine.curves import run_curves

    plots = ComparePlots()
    qtbot.addWidget(plots)
    empty = run_curves([])
    full = run_curves([{"kind": "step", "step": 1, "epoch": 0.1, "elapsed": 0.1, "loss": 2.0},
                       {"kind": "eval", "step": 1, "epoch": 0.1, "elapsed": 0.1,
                        "test_loss": 1.0, "test_accuracy": 0.5}])  # fmt: skip
    assert not len(empty["loss"]) and len(full["loss"]) == 1 and np.isfinite(full["smooth"]).all()
    plots.set_runs({1: ("mymodel (loaded)", 0, empty), 2: ("a run", 1, full)})
    names = [label.text for _, label in plots.loss.legend.items]
    assert names == ["mymodel (loaded) (no records)", "a run"]


def test_runs_of_one_colour_are_told_apart_by_their_line(qtbot):
    """Two sweeps' first values (and run numbers a colour cycle apart) wear one colour; ticked
    together under Compare runs, the later run draws dashed, then dotted."""
    from app.shared.theme import RUN_COLOURS
    from app.trainer.compare_plots import ComparePlots
    from engine.torch_engine.curves import run_curves

    plots = ComparePlots()
    qtbot.addWidget(plots)
    c = run_curves([])
    cycle = len(RUN_COLOURS)
    plots.set_runs({3: ("sweep A · 0.1", 0, c), 9: ("sweep B · 0.1", 0, c), 4: ("x", 1, c)})
    plots.set_runs({**plots.runs, 20: ("y", 1 + cycle, c)})  # the same colour as run 4's
    style = {rid: items[0].opts["pen"].style() for rid, items in plots.items.items()}
    solid, dash = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine
    assert style == {3: solid, 9: dash, 4: solid, 20: dash}
    assert plots.items[9][1].opts["pen"].style() == dash  # on the accuracy plot too
    plots.set_runs({9: plots.runs[9], 4: plots.runs[4]})  # alone in its colour: solid again
    assert plots.items[9][0].opts["pen"].style() == solid
    assert len(plots.loss.legend.items) == 2 and len(plots.loss.listDataItems()) == 2


def test_runs_that_share_a_name_are_numbered_in_the_list_and_the_legend():
    from types import SimpleNamespace as Row

    from app.trainer.run_list import shown_names

    rows = [Row(id=i, name=n) for i, n in ((5, "mlp"), (2, "mlp"), (7, "mlp (2)"), (9, "mlp"))]
    assert shown_names(rows) == {2: "mlp", 5: "mlp (3)", 7: "mlp (2)", 9: "mlp (4)"}
    assert shown_names([]) == {}
    one = [Row(id=1, name="")]
    assert shown_names(one + [Row(id=2, name="")]) == {1: "", 2: " (2)"}


def test_editing_a_numbered_name_without_changing_it_renames_nothing(qtbot):
    from types import SimpleNamespace as Row

    from app.trainer.run_list import RunList

    runs = RunList()
    qtbot.addWidget(runs)
    rows = [
        Row(id=i, name="mlp", status="finished", final={}, summary="", group_id=None)
        for i in (1, 2)
    ]
    runs.set_runs(rows, set())
    renamed = []
    runs.renamed.connect(lambda rid, name: renamed.append((rid, name)))
    second = next(
        runs.topLevelItem(k) for k in range(2) if runs.topLevelItem(k).text(0) == "mlp (2)"
    )
    second.setText(0, "mlp (2) ")  # the shown name, a space typed after it: not a new name
    assert renamed == []
    second.setText(0, "  wide net ")
    assert renamed == [(2, "wide net")]


@pytest.mark.parametrize(
    "typed, why",
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("x" * 300, "at most 80 characters"),
        ("two\tparts", "printable"),
    ],  # fmt: skip
)
def test_a_name_that_cannot_be_one_is_refused_in_a_sentence(qtbot, typed, why):
    """A 300-character name was taken and pushed the list's columns off the screen; "   " left a
    blank row while the store kept the old name. The row shows its name again and says why."""
    from types import SimpleNamespace as Row

    from app.trainer.run_list import RunList

    runs = RunList()
    qtbot.addWidget(runs)
    runs.set_runs([Row(id=1, name="mlp", status="finished", final={}, summary="",
                       group_id=None)], set())  # fmt: skip
    renamed, said = [], []
    runs.renamed.connect(lambda rid, name: renamed.append((rid, name)))
    runs.rename_refused.connect(said.append)
    it = runs.topLevelItem(0)
    it.setText(0, typed)
    assert renamed == [] and it.text(0) == "mlp"
    assert len(said) == 1 and why in said[0] and "keeps its name “mlp”" in said[0]


@pytest.mark.parametrize("answer, deleted", [("Yes", True), ("Cancel", False)])
def test_deleting_runs_asks_first(qtbot, answer, deleted):
    """Delete acted at once, with no way back: the runs' names are asked about first."""
    from types import SimpleNamespace as Row

    from PySide6.QtWidgets import QMessageBox

    from app.trainer.run_list import RunList

    runs = RunList()
    qtbot.addWidget(runs)
    rows = [Row(id=i, name=f"run {i}", status="finished", final={}, summary="", group_id=None)
            for i in (1, 2)]  # fmt: skip
    runs.set_runs(rows, set())
    asked = []
    runs.delete_requested.connect(asked.append)
    box = runs.confirm_delete([1, 2])
    assert "“run 1”, “run 2”" in box.text() and "cannot be undone" in box.text()
    assert asked == []  # nothing before the answer
    box.button(getattr(QMessageBox.StandardButton, answer)).click()
    assert asked == ([[1, 2]] if deleted else [])
