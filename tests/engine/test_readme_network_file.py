"""The README's "The network file" is what a user copies to write a network: its example must
open, train a step, and say what its fields say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from engine.numpy_engine.network import Network
from engine.numpy_engine.spec import parse_network

README = Path(__file__).parents[2] / "README.md"


def _example() -> dict:
    text = README.read_text()
    section = text[text.index("## The network file") : text.index("## The command line")]
    return json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))


def test_the_readmes_network_file_opens_and_steps_as_it_says():
    d = _example()
    spec = parse_network(d)
    net = Network(spec)
    state = net.initial_state()
    (w1, b1), _ = state.params
    np.testing.assert_array_equal(w1, d["layers"][1]["weights"])  # weights[j][i]: into unit j
    r = net.step(state)
    assert np.isfinite(r.loss)
    np.testing.assert_array_equal(r.after.params[0][1], b1)  # "frozen": ["bias"] never moves
    assert not np.array_equal(r.after.params[0][0], w1)
    assert spec.optimizer.name == "adam" and spec.regularization.l2 == 0.001


def test_every_name_the_section_lists_is_one_the_engine_takes():
    from engine.numpy_engine.activations import ACTIVATIONS
    from engine.numpy_engine.datasets import DATASETS
    from engine.numpy_engine.losses import LOSSES
    from engine.numpy_engine.optimizers import OPTIMIZERS
    from engine.numpy_engine.spec import INIT_SCHEMES

    text = README.read_text()
    section = text[text.index("## The network file") : text.index("## The command line")]
    for names in (ACTIVATIONS, LOSSES, OPTIMIZERS, INIT_SCHEMES, DATASETS):
        for name in names:
            assert f"`{name}`" in section, name
