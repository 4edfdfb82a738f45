"""One colour per run everywhere: a sweep's value and its seeds share the colour the sweep's
plots give the value; a run of no sweep wears its own number's colour."""

from __future__ import annotations

from dataclasses import dataclass

from app.trainer.run_colours import colour_indices
from engine.torch_engine.experiments import SEED_LABEL, repeated, value_label


@dataclass
class Row:
    id: int
    group_id: str | None = None
    group_label: str | None = None


def test_a_values_seeds_share_its_place_in_the_sweep():
    rows = [
        Row(3, "g", "dropout=0, seed=0"),
        Row(4, "g", "dropout=0, seed=1"),
        Row(5, "g", "dropout=0.5, seed=0"),
        Row(6, "g", "dropout=0.5, seed=1"),
        Row(7),
        Row(8, "h", "lr=0.1"),
        Row(9, "h", "lr=0.01"),
    ]
    got = colour_indices(reversed(rows))  # the list gives them newest first
    assert got == {3: 0, 4: 0, 5: 1, 6: 1, 7: 7, 8: 0, 9: 1}


def test_only_the_repeats_seed_is_taken_off_a_label():
    assert value_label("batch=256, lr=0.002, seed=12") == "batch=256, lr=0.002"
    assert value_label("seed=3") == "seed=3"  # a sweep of the seed itself: each seed a value
    assert value_label(None) == "" and value_label("lr=0.1") == "lr=0.1"
    assert value_label("lr=0.1" + SEED_LABEL.format(7)) == "lr=0.1"


def test_the_labels_repeated_writes_are_taken_back_to_their_value():
    from engine.torch_engine.experiments import Variant
    from engine.torch_engine.training import TrainConfig

    runs = repeated([Variant("dropout=0.5", TrainConfig())], 3)
    assert [value_label(v.label) for v in runs] == ["dropout=0.5"] * 3
    assert len({v.label for v in runs}) == 3
