"""Standardising the inputs, against numbers computed here, and on the ravine preset."""

from pathlib import Path

import numpy as np

from engine.numpy_engine import Network
from engine.numpy_engine.datasets import Dataset
from engine.numpy_engine.landscape_data import (
    already_standardised,
    inline,
    standardise,
    stats_text,
)

PRESETS = Path(__file__).parents[2] / "assets" / "presets"


def test_each_column_gets_mean_0_and_deviation_1_and_a_constant_column_is_only_centred():
    x = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [8.0, 5.0, 0.0], [0.0, 5.0, -6.0]])
    d = Dataset("toy", x, np.zeros((4, 1)), "regression")
    z, mean, sd = standardise(d)
    for c in (0, 2):
        col = x[:, c]
        m = sum(col) / 4
        s = (sum((v - m) ** 2 for v in col) / 4) ** 0.5
        np.testing.assert_allclose(z.inputs[:, c], (col - m) / s)
        assert mean[c] == m and abs(sd[c] - s) < 1e-12
    assert (z.inputs[:, 1] == 0).all() and sd[1] == 0
    assert z.name == "toy (standardised)" and standardise(z)[0].name == "toy (standardised)"
    assert np.array_equal(z.targets, d.targets) and np.array_equal(d.inputs, x)  # x untouched


def test_the_ravine_standardised_is_the_standardised_preset():
    raw, std = Network.from_file(PRESETS / "ravine_unnormalised.json"), None
    std = Network.from_file(PRESETS / "ravine_standardised.json")
    z, _, sd = standardise(raw.data)
    np.testing.assert_allclose(z.inputs, std.data.inputs, atol=6e-4)  # the preset is rounded
    np.testing.assert_allclose(sd, [3.07, 0.27], atol=0.005)
    spec = inline(z)
    assert np.array_equal(np.array(spec.inputs), z.inputs)


def test_the_stats_text_names_columns_and_cuts_wide_data():
    d = Dataset("w", np.arange(20.0).reshape(2, 10), np.zeros((2, 1)), "regression")
    text = stats_text(d)
    assert text.startswith("x1: mean 5, sd 5") and "(4 more)" in text


def test_already_standardised_means_standardising_changes_nothing():
    raw = Network.from_file(PRESETS / "ravine_unnormalised.json").data
    std = Network.from_file(PRESETS / "ravine_standardised.json").data  # rounded to 3 decimals
    assert already_standardised(std) and not already_standardised(raw)
    assert already_standardised(standardise(raw)[0])

    def data(x):
        return Dataset(
            "d", np.array(x, dtype=float).reshape(len(x), -1), np.zeros((len(x), 1)), "r"
        )

    assert already_standardised(data([[0.0, 1.0], [0.0, -1.0]]))  # an all-zero column stays 0
    assert not already_standardised(data([[5.0], [5.0]]))  # a constant 5 would be centred
    assert not already_standardised(data([[0.05, 0.1]]))  # one sample: every input would become 0
    assert not already_standardised(data([[np.nan], [1.0]]))
    assert not already_standardised(data([[1.0 + 2e-3], [-1.0]]))  # just past the tolerance
    empty = Dataset("e", np.zeros((0, 2)), np.zeros((0, 1)), "r")
    assert not already_standardised(empty)
