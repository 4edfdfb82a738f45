"""The explosion bound: one pure function for stepping (which asks) and continuous training (which
stops), checked on hostile values and against a network that explodes at a learning rate of 1e6."""

import json
import math
from pathlib import Path

import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.guard import EXPLODE_LOSS, exploded, explosion_message
from engine.numpy_engine.stream import Diverged, train_stream

PRESETS = Path(__file__).resolve().parents[2] / "assets" / "presets"


@pytest.mark.parametrize(
    "loss, out",
    [
        (0.0, False),
        (27.6, False),
        (1e6, False),  # the bound itself is allowed
        (-1e6, False),
        (math.nextafter(1e6, math.inf), True),
        (4.5e137, True),
        (-2e6, True),
        (math.inf, True),
        (-math.inf, True),
        (math.nan, True),
    ],
)
def test_exploded(loss, out):
    assert exploded(loss) is out


def test_the_bound_is_1e6_and_can_be_given():
    assert EXPLODE_LOSS == 1e6
    assert exploded(11.0, bound=10.0) and not exploded(10.0, bound=10.0)


def test_the_message_names_the_step_and_suggests_a_smaller_learning_rate():
    m = explosion_message(7, 4.5e137, 1e6)
    assert m.startswith("The loss exploded at step 7 (4.500e+137, over 1.000e+06)")
    assert "smaller learning rate than 1.000e+06" in m and "press N again" in m
    assert "\n" not in m and m.count(". ") == 0 and m.endswith(".")


def _sine_at(lr: float, tmp_path) -> Network:
    d = json.loads((PRESETS / "sine_regression.json").read_text())
    d["optimizer"] = {"name": "sgd", "lr": lr}
    p = tmp_path / "n.json"
    p.write_text(json.dumps(d))
    return Network.from_file(p)


def test_stepping_and_continuous_training_agree_on_the_step(tmp_path):
    """At lr 1e6 the tanh network's second step has a loss over 1e6: exploded() says so, and
    continuous training (same bound) stops at that same step with the first state kept."""
    net = _sine_at(1e6, tmp_path)
    r1 = net.step(net.initial_state())
    r2 = net.step(r1.after)
    assert not exploded(r1.loss) and exploded(r2.loss) and math.isfinite(r2.loss)
    records = list(train_stream(net, net.initial_state(), max_rate=0, max_steps=10))
    stop = records[-1]
    assert isinstance(stop, Diverged) and stop.step == r2.t == 2
    assert stop.state.t == 1


def test_a_learning_network_never_explodes(tmp_path):
    net = _sine_at(0.05, tmp_path)
    state = net.initial_state()
    for _ in range(50):
        r = net.step(state, trace=False)
        assert not exploded(r.loss)
        state = r.after
