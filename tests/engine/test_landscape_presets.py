"""The optimizer lab's presets show what their descriptions claim, read from the engine's numbers
(the race's paths, the landscape's grid, the layer strip), and the layer strip against torch."""

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.numpy_engine import Network
from engine.numpy_engine.landscape import grid_losses, weights_plane
from engine.numpy_engine.landscape_depth import layer_strip
from engine.numpy_engine.landscape_race import Racer, race_table, run_path

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
RAVINE_RACE = [("sgd", 0.1), ("momentum", 0.002), ("rmsprop", 0.02), ("adam", 0.05)]  # as described


def test_the_ravines_race_is_the_one_its_files_give_the_landscape_panel():
    for name in ("ravine_unnormalised", "ravine_standardised"):
        race = Network.from_file(PRESETS / f"{name}.json").spec.race
        assert list(zip(race.optimizers, race.lrs, strict=True)) == RAVINE_RACE
        assert (race.steps, race.plane) == (40, "weights:1.0.0,1.0.1")


def net_of(name: str) -> Network:
    return Network.from_file(PRESETS / f"{name}.json")


def zigzag(path) -> float:
    """The share of consecutive steps that turn back (their dot product < 0)."""
    d = np.diff(path.thetas, axis=0)
    return float(np.mean((d[1:] * d[:-1]).sum(1) < 0))


def crossings(net: Network, path) -> int:
    """How often w1 crosses the floor of the ravine (the least-squares w1, solved independently)."""
    x, y = np.array(net.data.inputs), np.array(net.data.targets)[:, 0]
    d = path.thetas[:, 0] - np.linalg.lstsq(x, y, rcond=None)[0][0]
    return int((np.sign(d[1:]) != np.sign(d[:-1])).sum())


def curvature_ratio(net: Network) -> float:
    """Second differences of the loss along w1 and along w2, from the landscape's own grid."""
    s = net.initial_state()
    pl = weights_plane(net.model, s.params, "1.0.0,1.0.1")
    h = 0.1
    g = grid_losses(net.model, s.params, pl, [-h, 0, h], [-h, 0, h], net.data.inputs,
                    net.data.targets)  # fmt: skip
    k1 = (g[1, 0] - 2 * g[1, 1] + g[1, 2]) / h**2
    k2 = (g[0, 1] - 2 * g[1, 1] + g[2, 1]) / h**2
    return k1 / k2


def test_the_ravine_zigzags_under_sgd_only_and_standardising_makes_it_round():
    raw, std = net_of("ravine_unnormalised"), net_of("ravine_standardised")
    assert curvature_ratio(raw) > 100  # a long narrow ravine (the description says about 130×)
    assert 0.5 < curvature_ratio(std) < 2  # a nearly round bowl
    paths = {n: run_path(raw, Racer(n, lr), 40) for n, lr in RAVINE_RACE}
    assert zigzag(paths["sgd"]) > 0.8 and crossings(raw, paths["sgd"]) >= 35
    for n in ("momentum", "rmsprop", "adam"):
        assert zigzag(paths[n]) < 0.1 and crossings(raw, paths[n]) <= 2, n
        assert not paths[n].diverged
    sgd_std = run_path(std, Racer("sgd", 0.1), 40)
    assert zigzag(sgd_std) < 0.1 and crossings(std, sgd_std) == 0
    assert sgd_std.losses[-1] < paths["sgd"].losses[-1] / 10  # the round bowl is walked fast
    said = f"its loss is {paths['sgd'].losses[-1]:.2g}, against {sgd_std.losses[-1]:.2g} on the"
    assert said in raw.spec.description, said
    x = np.array(raw.data.inputs)
    np.testing.assert_allclose(np.array(std.data.inputs), (x - x.mean(0)) / x.std(0), atol=6e-4)
    np.testing.assert_allclose(x.std(0), [3.07, 0.27], atol=0.005)


def test_a_learning_rate_too_large_leaves_the_valley_and_explodes():
    net = net_of("lr_too_large")
    p = run_path(net, Racer("sgd", net.spec.optimizer.lr), 40)
    assert p.diverged and p.diverged_at == 11
    assert (np.diff(p.losses) > 0).all()  # each step lands higher up the other wall
    x = np.array(net.data.inputs)
    lam = np.linalg.eigvalsh(2 / len(x) * x.T @ x).max()  # the curvature along the ravine's floor
    assert lam == pytest.approx(18.8, abs=0.05) and net.spec.optimizer.lr > 2 / lam
    assert not run_path(net, Racer("sgd", 0.1), 40).diverged  # just under 2/λ it converges


def test_the_saddle_is_flat_at_the_start_and_sgd_lingers_there():
    net = net_of("saddle_linear")
    s = net.initial_state()
    pl = weights_plane(net.model, s.params, "1.0.0,2.0.0")
    g = grid_losses(net.model, s.params, pl, [-0.3, 0, 0.3], [-0.3, 0, 0.3], net.data.inputs,
                    net.data.targets)  # fmt: skip
    assert g[2, 2] < g[1, 1] < g[0, 2]  # down along w1 = w2, up along w1 = −w2
    assert np.abs(np.concatenate([g.ravel() for g, _ in net.step(s).grads])).max() < 0.03
    sgd, adam = run_path(net, Racer("sgd", 0.1), 60), run_path(net, Racer("adam", 0.05), 60)
    assert sgd.losses[10] > 0.99 * sgd.losses[0]  # ten steps and still on the plateau
    target = 0.5 * float(sgd.losses[0])
    rows = race_table([sgd, adam], target)
    assert rows[0]["steps_to_target"] > 20 and rows[1]["steps_to_target"] < 15


def torch_strip(net: Network, state) -> tuple[list[float], list[float]]:
    """Activation spread and ‖∂L/∂W‖ per layer from torch autograd (float64), BCE on the data."""
    x = torch.tensor(net.data.inputs, dtype=torch.float64)
    y = torch.tensor(net.data.targets, dtype=torch.float64)
    acts = {"sigmoid": torch.sigmoid, "relu": torch.relu}
    Ws = [torch.tensor(W, requires_grad=True) for W, _ in state.params]
    bs = [torch.tensor(b, requires_grad=True) for _, b in state.params]
    a, spreads = x, []
    for W, b, name in zip(Ws, bs, net.model.activations, strict=True):
        a = acts[name](a @ W.T + b)
        spreads.append(float(a.detach().std(unbiased=False)))
    torch.nn.functional.binary_cross_entropy(a, y).backward()
    return spreads, [float(W.grad.norm()) for W in Ws]


@pytest.mark.parametrize("name", ["deep_sigmoid", "deep_relu_he"])
def test_the_layer_strip_matches_torch(name):
    net = net_of(name)
    s = net.initial_state()
    strip = layer_strip(net, s)
    spreads, norms = torch_strip(net, s)
    np.testing.assert_allclose([r.act_std for r in strip], spreads, rtol=1e-10)
    np.testing.assert_allclose([r.grad_norm for r in strip], norms, rtol=1e-8)
    assert [r.layer for r in strip] == list(range(1, 8))


def test_the_deep_sigmoid_gradient_vanishes_and_relu_he_keeps_it():
    sig, relu = net_of("deep_sigmoid"), net_of("deep_relu_he")
    gs = [r.grad_norm for r in layer_strip(sig, sig.initial_state())]
    gr = [r.grad_norm for r in layer_strip(relu, relu.initial_state())]
    assert gs[0] < gs[-1] / 1000 and gs == sorted(gs)  # smaller at every layer further back
    assert gs[0] == pytest.approx(6.9e-5, rel=0.02) and gs[-1] == pytest.approx(0.113, rel=0.02)
    assert round(min(gr), 3) == 0.027 and round(max(gr), 2) == 0.18  # "0.027 and 0.18" said
    assert "between 0.027 and 0.18" in relu.spec.description
    _, ls = sig.train(sig.initial_state(), 300)
    _, lr_ = relu.train(relu.initial_state(), 300)
    assert abs(ls[-1] - np.log(2)) < 0.002 and lr_[-1] < 0.001


def test_the_deep_sigmoids_race_shows_adam_moving_the_first_layer_that_sgd_cannot():
    """The file's race, run as the panel runs it: on layer 1's first two weights SGD and momentum
    barely move and their loss stays ln 2; Adam's per-weight scaling moves them and the loss falls.
    Each figure the description gives is read from these paths."""
    net = net_of("deep_sigmoid")
    race = net.spec.race
    assert race.fields() == ("sgd,momentum,adam", "0.5,0.5,0.01", 100, "weights:1.0.0,1.0.1")
    racers = zip(race.optimizers, race.lrs, strict=True)
    paths = {n: run_path(net, Racer(n, lr), race.steps) for n, lr in racers}
    moved = {n: float(np.linalg.norm(p.thetas[-1, :2] - p.thetas[0, :2])) for n, p in paths.items()}
    first = net.initial_state().params[0][0].ravel()[:2]
    np.testing.assert_array_equal(paths["sgd"].thetas[0, :2], first)  # layer 1's w1_0_0, w1_0_1
    start = paths["sgd"].losses[0]
    said = (f"SGD moves {moved['sgd']:.1g} in 100 steps and momentum {moved['momentum']:.1g}, "
            f"and both losses only settle from {start:.3f} to ln 2 ≈ {np.log(2):.3f}")  # fmt: skip
    assert said in net.spec.description, said
    for n in ("sgd", "momentum"):
        assert paths[n].losses[0] == start and abs(paths[n].losses[-1] - np.log(2)) < 5e-4
    adam = (
        f"still moves them {moved['adam']:.2f} and its loss falls to {paths['adam'].losses[-1]:.2f}"
    )
    assert adam in net.spec.description, adam
    assert moved["adam"] > 100 * moved["sgd"]


def test_init_schemes_side_by_side_at_step_0():
    from engine.numpy_engine.landscape_depth import init_compare, init_params_as

    net = net_of("deep_relu_he")
    cmp = init_compare(net, sigma=0.01)
    assert set(cmp) == {"zeros", "normal_sigma", "xavier_normal", "he_normal"}
    rows = len(net.data.inputs)
    for layers in cmp.values():
        assert [r.layer for r in layers] == list(range(1, 8))
        for r, units in zip(layers, net.model.sizes[1:], strict=True):
            assert r.act_hist[0].sum() == rows * units  # every activation counted once
    # σ = 0.01 in ReLU layers: the signal shrinks ~100× a layer; He keeps its size
    small = [r.act_std for r in cmp["normal_sigma"][:6]]
    he = [r.act_std for r in cmp["he_normal"][:6]]
    assert all(b < a / 10 for a, b in zip(small, small[1:], strict=False))
    assert max(he) / min(he) < 10
    # the explicit σ: the drawn weights' spread is σ (344 weights in all)
    W = np.concatenate([W.ravel() for W, _ in init_params_as(net, "normal_sigma", 0.01)])
    assert abs(W.std() - 0.01) < 0.001 and abs(W.mean()) < 0.001
    with pytest.raises(ValueError, match="σ"):
        init_params_as(net, "normal_sigma", float("nan"))
    sig = init_compare(net_of("deep_sigmoid"))  # zeros: every activation 0.5, every gradient 0
    for r in sig["zeros"]:
        assert r.act_std == 0 and r.act_hist[0].max() == r.act_hist[0].sum()  # one bin holds all


def test_the_zeros_scheme_leaves_every_unit_of_a_layer_identical_at_step_0():
    from engine.numpy_engine import core
    from engine.numpy_engine.landscape_depth import init_params_as

    net = net_of("deep_sigmoid")
    params = init_params_as(net, "zeros")
    fw = core.forward(net.model, params, np.array(net.data.inputs))
    bw = core.backward(net.model, params, fw, np.array(net.data.targets))
    for a, (gW, gb) in zip(fw.A[1:-1], bw.grads[:-1], strict=True):
        assert (a == a[:, :1]).all()  # each sample: every unit the same number
        assert len(np.unique(gW, axis=0)) == 1 and len(np.unique(gb)) == 1


def test_the_too_large_rate_map_shows_the_valley_it_leaves():
    """The path explodes to about ±480: a map that wide never sampled the valley, and its
    darkest cell was the start. The map spans the points up to 100 x the start loss, and the
    valley's floor (the least-squares w1) lies inside it."""
    from engine.numpy_engine.landscape import default_span
    from engine.numpy_engine.landscape_race import landscape, parse_racers

    net = net_of("lr_too_large")
    names, lrs, steps, plane = net.spec.race.fields()
    ls = landscape(net, parse_racers(names, lrs, net), steps, plane, side=41)
    x, y = np.array(net.data.inputs), np.array(net.data.targets)[:, 0]
    floor = np.linalg.lstsq(x, y, rcond=None)[0][0] - net.initial_state().params[0][0][0, 0]
    assert ls.alpha[-1] < 20 and -ls.alpha[-1] < floor < ls.alpha[-1]
    a, b = ls.coords[0]
    assert np.abs(a).max() > 10 * ls.alpha[-1]  # the path itself goes far beyond it
    r, c = np.unravel_index(np.argmin(ls.loss), ls.loss.shape)
    assert abs(ls.alpha[c] - floor) < 2 * (ls.alpha[1] - ls.alpha[0])  # darkest: the floor
    # the rule alone: tame points only, all of them when none is tame
    assert default_span([np.array([0.0, 1.0, 400.0])], [np.zeros(3)], [[1.0, 5.0, 1e6]]) == 1.25
    assert default_span([np.array([0.0, 1.0, 400.0])], [np.zeros(3)]) == 500.0
    assert default_span([np.array([2.0, 400.0])], [np.zeros(2)], [[np.nan, np.inf]]) == 500.0
