"""Sessions made hostile (a hostile pass): a loss of 1e308 opened, then the loss plot's ticks
overflowed in a slot ("Something went wrong: OverflowError", after the window had changed); a
NUL in the network's source was switched in, then the rebuild stopped half-way. Now the first
opens cleanly, and the second is refused with the window as it was."""

from __future__ import annotations

import json

import pytest

from app.explainer.data_panel import PRESET_DIR
from app.explainer.session import session_dict


def _session(window, tmp_path, **changes):
    assert window.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    window.explainer.next_training_step()
    d = session_dict(window.explainer)
    d.update(changes)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d))
    return path


def test_a_session_of_huge_finite_losses_opens_and_plots(window, qtbot, tmp_path):
    path = _session(window, tmp_path, losses=[[1, 2], [1e308, 1e308]])
    assert window.open_session(path), window.last_error
    window.plots.fit_next()
    window._mark_plots()
    qtbot.wait(50)
    assert window.last_error == "" and window.explainer.loss_v[:2] == [1e308, 1e308]


@pytest.mark.parametrize("bad", ["mazur\x00_2_2_2.json", "\ud800x.json", "x" * 5000])
def test_a_session_whose_source_is_no_path_is_refused_as_it_was(window, tmp_path, bad):
    """A NUL or a lone surrogate in it: switched in, then the rebuild stopped half-way."""
    path = tmp_path / "s.json"
    d = json.loads(_session(window, tmp_path).read_text())
    d["source"] = str(PRESET_DIR / bad)
    path.write_text(json.dumps(d))
    before = (window.explainer.net, window.explainer.step_index, window.explainer.event_index)
    assert not window.open_session(path)
    assert "source" in window.last_error and "damaged" in window.last_error
    after = (window.explainer.net, window.explainer.step_index, window.explainer.event_index)
    assert after == before
