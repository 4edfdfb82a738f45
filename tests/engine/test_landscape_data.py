"""Standardising the inputs, against numbers computed here, and on the ravine preset."""

from pathlib import Path

import numpy as np

from engine.numpy_engine import Network
from engine.numpy_engine.datasets import Dataset
from engine.numpy_engine.landscape_data import inline, standardise, stats_text

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
