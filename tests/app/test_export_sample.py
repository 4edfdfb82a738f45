"""File → Export LaTeX (and CSV) follow the chosen sample: with #3 of the spiral's full batch
chosen, the handout holds that sample's forward pass, loss term and backward pass, then the
batch's sums and updates, the same document body `trace --latex --sample 3` writes; with every
sample shown, the 27,275-number step is refused with a sentence that names the Sample box."""

import pytest

from app.cli import main
from app.explainer.data_panel import PRESET_DIR
from app.explainer.export_actions import write_export

SPIRAL = str(PRESET_DIR / "spiral_deep.json")


def body(doc: str) -> str:
    return doc[doc.index(r"\maketitle") :]


def test_export_latex_follows_the_chosen_sample(window, tmp_path, capsys):
    assert window.open_network(SPIRAL), window.last_error
    ex = window.explainer
    with pytest.raises(ValueError, match="27,275 events.*Sample box"):
        write_export(window, "tex", str(tmp_path / "all.tex"))
    assert not (tmp_path / "all.tex").exists()

    assert ex.set_sample(3)
    tex = tmp_path / "one.tex"
    write_export(window, "tex", str(tex))
    doc = tex.read_text("ascii")
    assert r"training step 1, sample 3}" in doc
    cli = tmp_path / "cli.tex"
    assert main(["trace", SPIRAL, "--latex", str(cli), "--sample", "3"]) == 0
    capsys.readouterr()
    assert body(doc) == body(cli.read_text("ascii"))
    assert doc.count(r"\paragraph{") == len(ex.visible()) == 808

    csv = tmp_path / "one.csv"
    write_export(window, "csv", str(csv))
    assert len(csv.read_text().splitlines()) == 1 + 808


def test_a_small_step_exports_every_event_with_no_sample_chosen(window, tmp_path):
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    tex = tmp_path / "all.tex"
    write_export(window, "tex", str(tex))
    assert tex.read_text("ascii").count(r"\paragraph{") == len(window.explainer.current.events)
