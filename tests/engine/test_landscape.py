"""The landscape engine against the network's own loss (Network.loss, one point at a time) and the
trace's losses: the grid, the planes, the paths, the race, the limits."""

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from engine.numpy_engine import Network, TrainState
from engine.numpy_engine.core import Model
from engine.numpy_engine.landscape import (
    MAX_GRID,
    LandscapeError,
    check_grid,
    grid_losses,
    path_plane,
    random_plane,
    weights_plane,
)
from engine.numpy_engine.landscape_forward import flatten, unflatten
from engine.numpy_engine.landscape_race import (
    Racer,
    grid_over,
    landscape,
    locate,
    race_table,
    racers,
    run_path,
)

PRESETS = Path(__file__).parents[2] / "assets" / "presets"


def net_of(name: str) -> Network:
    return Network.from_file(PRESETS / f"{name}.json")


def loss_at(net: Network, theta: np.ndarray) -> float:
    """The network's own loss at θ: Network.loss, whole data, no dropout, + L1/L2."""
    s = net.initial_state()
    return net.loss(TrainState(unflatten(theta, s.params), s.opt_state, 0))


def tiny(tmp_path, **over) -> Path:
    spec = {
        "layers": [{"units": 2}, {"units": 3, "activation": "tanh"},
                   {"units": 1, "activation": "sigmoid"}],
        "init": {"scheme": "xavier_uniform", "seed": 3},
        "loss": "bce",
        "optimizer": {"name": "sgd", "lr": 0.5},
        "data": {"dataset": "xor"},
    }  # fmt: skip
    spec.update(over)
    p = tmp_path / "net.json"
    p.write_text(json.dumps(spec))
    return p


@pytest.mark.parametrize(
    "name",
    ["spiral_deep", "moons_regularized", "blobs3_softmax", "cnn_conv_4x3", "cnn_maxpool_4x4",
     "transfer_frozen"],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["path", "random"])
def test_the_grid_value_at_any_point_is_the_networks_loss_there(name, kind):
    net = net_of(name)
    ls = landscape(net, racers(["sgd", "adam"], None, net), 4, kind, side=5, seed=2)
    for r, c in [(0, 0), (1, 3), (2, 2), (4, 1), (3, 4)]:
        theta = ls.plane.point(ls.alpha[c], ls.beta[r])
        assert ls.loss[r, c] == pytest.approx(loss_at(net, theta), rel=1e-10, abs=1e-12)


def test_the_planes_origin_is_the_start_and_its_loss_the_start_loss():
    net = net_of("xor_momentum")
    start = net.initial_state()
    for kind in ("path", "random", "weights:2.0.1,1.2.0"):
        ls = landscape(net, racers(["sgd", "momentum"], None, net), 6, kind, side=5)
        assert np.array_equal(ls.plane.origin, flatten(start.params))
        assert ls.loss[2, 2] == pytest.approx(net.loss(start), rel=1e-12)  # α = β = 0


def test_each_paths_losses_equal_the_traces(tmp_path, capsys):
    base = json.loads(tiny(tmp_path).read_text())
    net = Network.from_file(tiny(tmp_path))
    rs = racers(["sgd", "momentum", "nesterov", "rmsprop", "adam", "adadelta"], None, net)
    ls = landscape(net, rs, 12, "path", side=3)
    for path in ls.paths:
        spec = dict(base, optimizer={"name": path.racer.name, "lr": path.racer.lr})
        f = tmp_path / f"{path.racer.name}.json"
        f.write_text(json.dumps(spec))
        assert main(["trace", str(f), "--steps", "12", "--events", "none", "--json"]) == 0
        trace = json.loads(capsys.readouterr().out)
        assert len(path.losses) == 13
        np.testing.assert_allclose(path.losses, trace["losses"], rtol=1e-12)
        last = flatten(tuple((np.array(p["weights"]), np.array(p["bias"]))
                             for p in trace["parameters"]))  # fmt: skip
        np.testing.assert_allclose(path.thetas[-1], last, rtol=1e-12)


def test_every_racer_starts_from_identical_weights_and_data_order(tmp_path):
    f = tiny(tmp_path, training={"batch_size": 2, "shuffle": True, "seed": 5})
    net = Network.from_file(f)
    rs = racers(["sgd", "momentum", "adagrad", "adam", "nadam"], None, net)
    paths = [run_path(net, r, 5) for r in rs]
    for p in paths[1:]:
        assert p.thetas[0].tobytes() == paths[0].thetas[0].tobytes()
    from engine.numpy_engine.landscape_race import racer_net

    for r in rs:
        other = racer_net(net, r)
        assert all(np.array_equal(other.batch_rows(t), net.batch_rows(t)) for t in range(6))
        assert other.spec.optimizer.name == r.name and other.spec.optimizer.lr == r.lr


def test_the_pca_plane_of_a_path_in_a_plane_reproduces_it():
    rng = np.random.default_rng(0)
    origin = rng.normal(size=40)
    u, v = rng.normal(size=40), rng.normal(size=40)
    a, b = rng.normal(size=25), rng.normal(size=25)
    visited = origin + a[:, None] * u + b[:, None] * v
    pl = path_plane(origin, visited)
    D = np.stack([pl.d1, pl.d2], 1)
    np.testing.assert_allclose(D.T @ D, np.eye(2), atol=1e-12)  # orthonormal
    for w in (u, v):  # the plane spans u and v: each is its own projection
        np.testing.assert_allclose(D @ (D.T @ w), w, atol=1e-10)
    al, be = pl.project(visited)
    np.testing.assert_allclose(pl.points(al, be), visited, atol=1e-10)


def test_a_two_parameter_net_lies_in_its_plane_so_projection_loses_nothing(tmp_path):
    f = tiny(tmp_path, layers=[{"units": 1}, {"units": 1, "activation": "sigmoid"}],
             data={"inputs": [[0.0], [1.0], [2.0]], "targets": [[0], [1], [1]]})  # fmt: skip
    net = Network.from_file(f)
    ls = landscape(net, racers(["sgd", "adam"], [1.0, 0.1], net), 20, "path", side=5)
    for p, on in zip(ls.paths, ls.loss_on_plane, strict=True):
        np.testing.assert_allclose(on, p.losses, rtol=1e-10)


def test_a_degenerate_path_still_gets_two_directions():
    origin = np.zeros(5)
    line = np.outer(np.arange(4.0), np.array([1.0, 0, 0, 0, 0]))
    pl = path_plane(origin, line, seed=1)
    assert pl.d1 @ pl.d2 == pytest.approx(0, abs=1e-12)
    assert np.linalg.norm(pl.d2) == pytest.approx(1)
    assert path_plane(origin, origin[None]).d1.shape == (5,)  # no move at all


def test_the_zeros_initialisation_keeps_a_layers_units_identical(tmp_path):
    f = tiny(tmp_path, init={"scheme": "zeros", "seed": 0},
             layers=[{"units": 2}, {"units": 4, "activation": "sigmoid"},
                     {"units": 1, "activation": "sigmoid"}],
             data={"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [1]]})  # fmt: skip
    net = Network.from_file(f)
    like = net.initial_state().params
    for r in racers(["sgd", "adam"], [1.0, 0.1], net):
        p = run_path(net, r, 30)
        assert not np.allclose(p.thetas[-1], p.thetas[0])  # it did learn something
        for theta in p.thetas:
            (W1, b1), (W2, _) = unflatten(theta, like)
            assert len(np.unique(W1, axis=0)) == len(np.unique(b1)) == len(np.unique(W2)) == 1


def test_the_random_plane_is_filter_normalised_and_seeded():
    net = net_of("spiral_deep")
    like = net.initial_state().params
    pl = random_plane(like, seed=4)
    for (W, _), (D, Db) in zip(like, unflatten(pl.d1, like), strict=True):
        np.testing.assert_allclose(np.linalg.norm(D, axis=1), np.linalg.norm(W, axis=1))
        assert not Db.any()
    assert np.array_equal(random_plane(like, seed=4).d2, pl.d2)
    assert not np.array_equal(random_plane(like, seed=5).d1, pl.d1)
    conv = net_of("cnn_conv_4x3")
    cl = conv.initial_state().params
    D = unflatten(random_plane(cl, 0).d1, cl)[0][0]
    np.testing.assert_allclose(np.linalg.norm(D.reshape(len(D), -1), axis=1),
                               np.linalg.norm(cl[0][0].reshape(len(D), -1), axis=1))  # fmt: skip


def test_the_weights_plane_moves_exactly_the_two_weights_in_their_units():
    net = net_of("mazur_2_2_2")
    s = net.initial_state()
    pl = weights_plane(net.model, s.params, "2.0.0,2.0.1")
    assert pl.axes == ("Δw[2][0][0]", "Δw[2][0][1]")  # as the trace names them
    A = grid_losses(net.model, s.params, pl, [-0.5, 0.3], [0.2], net.data.inputs, net.data.targets)
    W = s.params[1][0]
    moved = net.edit_parameter(s, 2, "weights", (0, 0), W[0, 0] + 0.3)
    moved = net.edit_parameter(moved, 2, "weights", (0, 1), W[0, 1] + 0.2)
    assert A[0, 1] == pytest.approx(net.loss(moved), rel=1e-12)
    conv = net_of("cnn_conv_4x3")
    cs = conv.initial_state()
    assert (
        weights_plane(conv.model, cs.params, "1.0.0.1.1,1.0.0.0.0").axes[0] == "Δw[1][0][0][1][1]"
    )


@pytest.mark.parametrize(
    "text, msg",
    [("2.0", "two weights"), ("3.0.0,2.0.0", "layer 3"), ("2.0,2.0.0", "L.J.I"), ("9.0.0,1.0.0", "layer 9"),
     ("2.0.5,2.0.0", "indices"), ("a.b.c,1.0.0", "not a weight"), ("2.0.0,2.0.0", "twice"),
     ("", "two weights"), ("2.-1.0,2.0.0", "indices")],
)  # fmt: skip
def test_bad_weight_names_are_refused(text, msg):
    net = net_of("mazur_2_2_2")
    with pytest.raises(LandscapeError, match=msg):
        weights_plane(net.model, net.initial_state().params, text)


def test_nesterovs_lookahead_is_where_momentum_alone_carries_the_weights():
    net = net_of("xor_momentum")
    r = Racer("nesterov", 0.1)
    p = run_path(net, r, 6)
    assert np.array_equal(p.lookahead[0], p.thetas[0])  # no velocity yet
    from engine.numpy_engine.landscape_race import racer_net

    rn, state, v = racer_net(net, r), None, 0.0
    state = rn.initial_state()
    for t in range(6):  # v_t = μ·v_{t−1} + g_t, from the step's own gradients
        step = rn.step(state, trace=False)
        v = 0.9 * v + flatten(step.grads) if t else flatten(step.grads)
        state = step.after
        np.testing.assert_allclose(p.lookahead[t + 1], p.thetas[t + 1] - 0.1 * 0.9 * v)


def test_a_racer_that_explodes_is_marked_diverged_and_its_path_stops(tmp_path):
    f = tiny(tmp_path, loss="mse", layers=[{"units": 2}, {"units": 3, "activation": "linear"},
                                           {"units": 1, "activation": "linear"}])  # fmt: skip
    net = Network.from_file(f)
    ls = landscape(net, racers(["sgd", "adam"], [50.0, 0.01], net), 40, "path", side=5)
    sgd, adam = ls.paths
    assert sgd.diverged and not adam.diverged
    assert len(sgd.thetas) < 41 and np.isfinite(sgd.losses).all()
    rows = race_table(ls.paths, target=0.2)
    assert rows[0]["diverged"] and rows[1]["final_loss"] == adam.losses[-1]


def test_steps_to_target_is_the_first_step_at_or_below_it():
    net = net_of("xor_momentum")
    p = run_path(net, Racer("momentum", 0.5), 40)
    target = float(p.losses[17])
    first = race_table([p], target)[0]["steps_to_target"]
    assert p.losses[first] <= target and (first == 0 or (p.losses[:first] > target).all())
    assert race_table([p], -1.0)[0]["steps_to_target"] is None


def test_limits_name_themselves():
    big = Model(sizes=(784, 256, 128, 10), activations=("relu", "relu", "softmax"), loss="cce")
    with pytest.raises(LandscapeError, match="over the limit of"):
        check_grid(big, 60_000, 41)
    for side in (1, MAX_GRID + 1, 0, -3):
        with pytest.raises(LandscapeError, match=f"2 to {MAX_GRID}"):
            check_grid(big, 10, side)


@pytest.mark.parametrize(
    "names, lrs, msg",
    [([], None, "at least one"), (["sgd", "sgd"], None, "once"), (["sgdd"], None, "unknown"),
     (["sgd"], [0.1, 0.2], "learning rate"), (["sgd"], [float("nan")], "learning rate"),
     (["sgd"], [-1.0], "learning rate"), (["sgd"], [float("inf")], "learning rate"),
     (["sgd"], [0.0], "learning rate")],
)  # fmt: skip
def test_bad_racers_are_refused(names, lrs, msg):
    with pytest.raises(LandscapeError, match=msg):
        racers(names, lrs, net_of("xor_momentum"))


def test_usual_learning_rates_and_the_files_own():
    net = net_of("xor_momentum")  # momentum, lr 0.5
    assert [r.lr for r in racers(["momentum", "sgd", "adam"], None, net)] == [0.5, 0.1, 0.01]


def test_a_file_without_data_a_bad_span_or_too_many_steps_is_refused(tmp_path):
    spec = json.loads(tiny(tmp_path).read_text())
    spec.pop("data")
    nodata = tmp_path / "nodata.json"
    nodata.write_text(json.dumps(spec))
    with pytest.raises(LandscapeError, match="no 'data'"):
        landscape(Network.from_file(nodata), [Racer("sgd", 0.1)], 3)
    net = Network.from_file(tiny(tmp_path))
    for span in (float("inf"), float("nan"), 0.0, -1.0):
        with pytest.raises(LandscapeError, match="--span"):
            landscape(net, [Racer("sgd", 0.1)], 3, span=span)
    for steps in (0, -1, 10**6):
        with pytest.raises(LandscapeError, match="100,000"):
            landscape(net, [Racer("sgd", 0.1)], steps)


def test_locate_tells_the_true_loss_and_the_loss_at_the_projection():
    net = net_of("spiral_deep")
    ls = landscape(net, [Racer("nadam", 0.02)], 8, "random", side=3)  # the file's own
    state = net.initial_state()
    for _ in range(5):
        state = net.step(state, trace=False).after
    a, b, true, on = locate(net, ls.plane, state.params)
    assert true == pytest.approx(net.loss(state), rel=1e-12)
    assert on == pytest.approx(loss_at(net, ls.plane.point(a, b)), rel=1e-12)
    assert (a, b) == pytest.approx(tuple(x[5] for x in ls.coords[0]), rel=1e-9)


def test_a_refined_grid_over_any_range_is_the_networks_loss_there():
    net = net_of("spiral_deep")
    ls = landscape(net, [Racer("nadam", 0.02)], 5, "random", side=3)
    alpha, beta, g = grid_over(net, ls.plane, (-0.2, 0.1), (0.3, 0.5), side=7)
    assert alpha[0] == -0.2 and beta[-1] == 0.5 and g.shape == (7, 7)
    for r, c in [(0, 0), (6, 2), (3, 5)]:
        want = loss_at(net, ls.plane.point(alpha[c], beta[r]))
        assert g[r, c] == pytest.approx(want, rel=1e-10)
    for bad in [
        ((0, 0), (0, 1)),
        ((1, 0), (0, 1)),
        ((0, float("nan")), (0, 1)),
        ((0, 1e9), (0, 1)),
    ]:
        with pytest.raises(LandscapeError, match="ranges"):
            grid_over(net, ls.plane, *bad)
    with pytest.raises(LandscapeError, match="2 to 201"):
        grid_over(net, ls.plane, (0, 1), (0, 1), side=500)
