"""`trace --sample K`: one sample's forward pass, loss term and backward pass, then the batch's sums
and updates, as the window's Sample box keeps them (the same engine functions), for a handout of
any network. The spiral's full handout (27,275 numbers, over the 20,000 cap) is refused with a
message naming --sample; with it, 808 numbers. Every hostile value of the flag is one line on
stderr, exit code 2, and no file."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from app.cli import main
from engine.numpy_engine import Network
from engine.numpy_engine.event_groups import kept_sample, sample_event_count, sample_events
from engine.numpy_engine.handout import MAX_HANDOUT_EVENTS

PRESETS = Path(__file__).resolve().parents[2] / "assets" / "presets"
SPIRAL = str(PRESETS / "spiral_deep.json")


def _net(tmp_path, preset: str, **top) -> str:
    d = json.loads((PRESETS / preset).read_text())
    d.update(top)
    p = tmp_path / f"{preset}"
    p.write_text(json.dumps(d))
    return str(p)


@pytest.mark.parametrize(
    "preset", ["mazur_2_2_2", "moons_regularized", "cnn_tiny_digits", "cnn_maxpool_4x4"]
)
def test_sample_events_are_the_samples_own_and_the_batchs(preset):
    """Checked against a plain filter over every event: the sample's data row, or no row."""
    net = Network.from_file(PRESETS / f"{preset}.json")
    r = net.step(net.initial_state())
    every = list(r.events)
    for s in {0, len(r.rows) // 2, len(r.rows) - 1}:
        want = [e for e in every if e.sample in (None, r.rows[s])]
        assert sample_events(r.events, s) == want
    assert sample_events(r.events, None) == every


@pytest.mark.parametrize("n, batch, shuffle", [(4, 3, False), (16, 5, True), (200, None, True)])
def test_batch_sizes_are_those_of_batch_rows(tmp_path, n, batch, shuffle):
    rows = [[float(i), float(-i)] for i in range(n)]
    d = {
        "layers": [{"units": 2}, {"units": 1, "activation": "sigmoid"}],
        "loss": "bce",
        "training": {"batch_size": batch, "shuffle": shuffle, "seed": 1},
        "data": {"inputs": rows, "targets": [[i % 2] for i in range(n)]},
    }
    p = tmp_path / "n.json"
    p.write_text(json.dumps(d))
    net = Network.from_file(p)
    for steps in (1, 2, 3, 7, 12):
        assert net.batch_sizes(steps) == Counter(len(net.batch_rows(t)) for t in range(steps))


def test_the_count_matches_the_events_written_across_a_short_last_batch(tmp_path):
    """XOR's 4 rows in batches of 3: step 2's batch holds one sample, so #2 is not in it and that
    step keeps every event, as the window shows it."""
    net = Network.from_file(_net(tmp_path, "xor_2_2_1.json", training={"batch_size": 3}))
    assert kept_sample(2, 3) == 2 and kept_sample(2, 1) is None and kept_sample(None, 3) is None
    state, written = net.initial_state(), []
    for _ in range(4):
        r = net.step(state)
        written.append(len(sample_events(r.events, 2)))
        state = r.after
    assert written[1] == len(net.step(net.step(net.initial_state()).after).events)
    masked = net.step(net.initial_state()).events.layout.masked
    for steps in range(1, 5):
        assert sample_event_count(net, 2, steps, masked) == sum(written[:steps])


def test_the_spiral_handout_is_refused_naming_sample_and_works_with_it(tmp_path, capsys):
    out = tmp_path / "spiral.tex"
    assert main(["trace", SPIRAL, "--latex", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "27,275 events" in err and f"{MAX_HANDOUT_EVENTS:,}" in err and "--sample K" in err
    assert len(err.splitlines()) == 1 and not out.exists()

    assert main(["trace", SPIRAL, "--latex", str(out), "--sample", "3"]) == 0
    said = capsys.readouterr().out
    assert "808 events of 1 step(s), sample #3" in said
    doc = out.read_text("ascii")
    heads = re.findall(r"\\paragraph\{(\w+), (whole batch|sample \d+):", doc)
    assert len(heads) == 808
    assert {w for _, w in heads} == {"whole batch", "sample 3"}  # full batch: #3 is row 3
    phases = [p for p, _ in heads]
    assert phases == sorted(phases, key=["Forward", "Loss", "Backward", "Update"].index)


def test_sample_with_steps_on_shuffled_mini_batches(tmp_path, capsys):
    """cnn_tiny_digits: 16 digits in shuffled batches of 4; each step's #1 is another data row,
    named in each paragraph."""
    out = tmp_path / "cnn.tex"
    net = str(PRESETS / "cnn_tiny_digits.json")
    assert main(["trace", net, "--latex", str(out), "--sample", "1", "--steps", "3"]) == 0
    doc = out.read_text("ascii")
    n = Network.from_file(net)
    rows = [int(n.batch_rows(t)[1]) for t in range(3)]
    for t, block in enumerate(re.split(r"\\section\*\{Training step \d+\}", doc)[1:]):
        assert set(re.findall(r"sample (\d+):", block)) == {str(rows[t])}
    assert doc.count(r"\section*{Training step") == 3
    capsys.readouterr()


def test_sample_filters_the_printed_and_json_events_too(capsys):
    net = str(PRESETS / "mazur_2_2_2.json")
    assert main(["trace", net, "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert main(["trace", net, "--json", "--sample", "0"]) == 0
    one = json.loads(capsys.readouterr().out)
    n = Network.from_file(net)
    row = int(n.batch_rows(0)[0])
    assert one["events"] == [e for e in every["events"] if e["sample"] in (None, row)]
    assert one["losses"] == every["losses"] and one["parameters"] == every["parameters"]


def _code(argv: list[str]) -> int:
    """main's exit code; a usage error exits from inside argparse."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize(
    "flags, reason",
    [
        (["--sample", "-1"], "sample -1 is not in this batch of 200 (0 to 199)"),
        (["--sample", "200"], "sample 200 is not in this batch of 200"),
        (["--sample", "1" + "0" * 30], "is not in this batch"),
        (["--sample", "9" * 5000], "whole number"),
        (["--sample", "1.5"], "whole number (0 first), not '1.5'"),
        (["--sample", "1e3"], "whole number"),
        (["--sample", "nan"], "whole number"),
        (["--sample", "x"], "whole number"),
        (["--sample", ""], "whole number"),
        (["--sample"], "expected one argument"),
        (["--sample", "3", "--steps", "0"], "--steps must be between 1"),
        (["--sample", "3", "--steps", "-2"], "--steps must be between 1"),
        (["--sample", "3", "--steps", "30"], "24,240 events"),
        (["--sample", "3", "--sample", "-5"], "sample -5 is not in this batch"),
    ],
)
def test_hostile_sample_values_are_one_line_and_write_nothing(tmp_path, capsys, flags, reason):
    out = tmp_path / "h.tex"
    assert _code(["trace", SPIRAL, "--latex", str(out), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert reason in err, err
    assert list(tmp_path.iterdir()) == []


def test_sample_beyond_a_single_sample_batch_is_refused(capsys):
    net = str(PRESETS / "blobs2_adadelta.json")  # batch_size 1
    assert main(["trace", net, "--sample", "0", "--events", "none"]) == 0
    assert main(["trace", net, "--sample", "1"]) == 2
    assert "not in this batch of 1 (0 to 0)" in capsys.readouterr().err


@pytest.mark.parametrize("events", ["first", "all", "none"])
def test_latex_with_json_writes_the_handout_and_prints_the_json_object(tmp_path, capsys, events):
    """--json is a promise to a script: with --latex it printed "wrote …" (text). Now the handout
    is written and stdout is the object `trace --json` prints alone, its events as --events."""
    net, out = str(PRESETS / "mazur_2_2_2.json"), tmp_path / "h.tex"
    args = ["trace", net, "--steps", "3", "--events", events, "--json"]
    assert main(args) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main([*args, "--latex", str(out)]) == 0
    both = json.loads(capsys.readouterr().out)
    assert both == alone
    assert len({e["step"] for e in both["events"]}) == {"first": 1, "all": 3, "none": 0}[events]
    assert out.read_text("ascii").count(r"\section*{Training step") == 3
