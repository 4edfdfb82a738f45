import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from engine.numpy_engine import (
    DATASETS,
    Network,
    NetworkFileError,
    gradient_check,
    load_network_file,
    make_dataset,
    parse_network,
    spec_to_dict,
)
from engine.numpy_engine.activations import ACTIVATIONS
from engine.numpy_engine.losses import LOSSES
from engine.numpy_engine.optimizers import OPTIMIZERS
from engine.numpy_engine.spec import classifier_mlp

PRESETS = Path(__file__).parents[2] / "assets" / "presets"


def test_course_neuron_w_2_minus1_b_1_5_sigmoid():
    net = Network.from_file(PRESETS / "neuron_sigmoid.json")
    r = net.step(net.initial_state())
    z = next(e for e in r.events if e.symbol == "z[1][0]" and e.sample == 0)
    a = next(e for e in r.events if e.symbol == "a[1][0]" and e.sample == 0)
    assert z.value == pytest.approx(2 * 1 - 1 * 2 + 1.5)
    assert z.substituted == "2·1 + (−1)·2 + 1.5 = 1.5"
    assert a.value == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert "σ(1.5) = 0.8176" in a.substituted


def test_square_network_computes_x1_times_x2_exactly():
    net = Network.from_file(PRESETS / "square_x1x2.json")
    st = net.initial_state()
    x = np.random.default_rng(0).uniform(-3, 3, (50, 2))
    np.testing.assert_allclose(net.predict(st, x)[:, 0], x[:, 0] * x[:, 1], atol=1e-12)
    r = net.step(st)
    assert r.loss == pytest.approx(0, abs=1e-24)
    assert all(abs(e.value) < 1e-12 for e in r.events if e.symbol.startswith("∂L/∂w"))


def test_classic_2_2_2_worked_example_numbers():
    net = Network.from_file(PRESETS / "mazur_2_2_2.json")
    r = net.step(net.initial_state())
    assert r.loss == pytest.approx(0.298371109, abs=1e-9)
    (W1, _), (W2, _) = r.after.params
    assert W2[0, 0] == pytest.approx(0.35891648, abs=1e-8)  # w5
    assert W2[1, 1] == pytest.approx(0.561370121, abs=1e-8)  # w8
    assert W1[0, 0] == pytest.approx(0.149780716, abs=1e-8)  # w1
    # the hand calculation rounds its intermediate values, hence 1e-6 here
    assert net.loss(r.after) == pytest.approx(0.291027924, abs=1e-6)
    ev = next(e for e in r.events if e.symbol == "∂L/∂w[2][0][0]")
    assert ev.substituted == "0.7414·0.1868·0.5933 = 0.08217"  # the chain rule, factor by factor


@pytest.mark.parametrize("act", [a for a in ACTIVATIONS if a not in ("step", "softmax")])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_finite_differences_agree_for_every_activation_and_loss(act, loss):
    out = {"bce": "sigmoid", "cce": "softmax"}.get(loss, "linear")
    k = 3 if loss == "cce" else 2
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    y = np.eye(k)[[0, 1, 2, 0]] if loss == "cce" else rng.uniform(0.1, 0.9, (4, k))
    if loss == "bce":
        y = (y > 0.5).astype(float)
    net = Network(
        parse_network(
            {
                "layers": [
                    {"units": 3},
                    {"units": 4, "activation": act},
                    {"units": k, "activation": out},
                ],
                "init": {"scheme": "xavier_normal", "seed": 2},
                "loss": loss,
                "regularization": {"l2": 0.01},
                "data": {"inputs": x.tolist(), "targets": y.tolist()},
            }
        )
    )
    rows = gradient_check(net, net.initial_state())
    assert len(rows) == 4 * 3 + 4 + k * 4 + k
    assert max(r.abs_error for r in rows) < 1e-7


def test_step_activation_has_zero_gradient_and_says_why():
    net = Network.from_file(PRESETS / "perceptron_and.json")
    r = net.step(net.initial_state())
    assert all(g == 0 for W, b in r.grads for g in [*W.ravel(), *b.ravel()])
    notes = [e.note for e in r.events if e.symbol.startswith("∂L/∂w")]
    assert all("step function blocks the gradient" in n for n in notes)


def test_replaying_the_trace_gives_the_directly_computed_parameters():
    net = Network.from_file(PRESETS / "moons_regularized.json")
    st0 = net.initial_state()
    replay = {}
    for k, (W, b) in enumerate(st0.params):
        for idx in np.ndindex(W.shape):
            replay[f"w[{k + 1}][{idx[0]}][{idx[1]}]"] = W[idx]
        for j in range(len(b)):
            replay[f"b[{k + 1}][{j}]"] = b[j]
    st = st0
    for _ in range(4):
        r = net.step(st)
        for e in r.events:
            if e.phase == "update":
                assert e.detail["w"] == replay[e.symbol]  # each update starts where the last ended
                replay[e.symbol] = e.value
        st = r.after
    direct, _ = net.train(st0, 4)
    for k, (W, b) in enumerate(direct.params):
        for idx in np.ndindex(W.shape):
            assert replay[f"w[{k + 1}][{idx[0]}][{idx[1]}]"] == W[idx]
        for j in range(len(b)):
            assert replay[f"b[{k + 1}][{j}]"] == b[j]


def test_trace_events_are_ordered_by_phase_and_name_nodes():
    net = Network.from_file(PRESETS / "xor_2_2_1.json")
    r = net.step(net.initial_state())
    phases = [e.phase for e in r.events]
    order = {"forward": 0, "loss": 1, "backward": 2, "update": 3}
    assert phases == sorted(phases, key=order.get)
    assert all(e.nodes or e.edges for e in r.events)
    assert r.rows == (0, 1, 2, 3) and r.mode == "full batch"
    z = r.events[0]
    assert z.nodes[0] == "n1_0" and "w1_0_0" in z.edges and "b1_0" in z.edges


def test_minibatch_and_single_sample_steps_say_which_rows():
    spec = load_network_file(PRESETS / "blobs2_adadelta.json")
    net = Network(spec)
    r1 = net.step(net.initial_state())
    assert r1.mode == "single sample" and len(r1.rows) == 1
    r2 = net.step(r1.after)
    assert r2.rows != r1.rows
    seen = set()
    st = net.initial_state()
    for _ in range(60):
        r = net.step(st, trace=False)
        seen.update(r.rows)
        st = r.after
    assert seen == set(range(60))  # one epoch visits every sample once


def test_editing_a_weight_changes_the_trace_from_there():
    net = Network.from_file(PRESETS / "neuron_sigmoid.json")
    st = net.initial_state()
    edited = net.edit_parameter(st, 1, "weights", (0, 0), 3.0)
    z = next(e for e in net.step(edited).events if e.symbol == "z[1][0]")
    assert z.substituted.startswith("3·1 + (−1)·2")
    assert st.params[0][0][0, 0] == 2  # the original state is untouched


@pytest.mark.parametrize(
    "mutate,field",
    [
        (lambda d: d.update(layrs=[]), "layrs"),
        (lambda d: d["layers"][1].update(activation="swish"), "layers[1].activation"),
        (lambda d: d["layers"][1].update(weights=[[1, 2]]), "layers[1].weights"),
        (lambda d: d["layers"][1].update(bias=[1]), "layers[1].bias"),
        (lambda d: d["layers"][1].update(frozen=["gamma"]), "layers[1].frozen"),
        (lambda d: d["layers"][1].update(units=0), "layers[1].units"),
        (lambda d: d.update(loss="hinge"), "loss"),
        (lambda d: d["optimizer"].update(lr=-1), "optimizer.lr"),
        (lambda d: d["optimizer"].update(name="lion"), "optimizer.name"),
        (lambda d: d["optimizer"].update(beta1=1.5), "optimizer.beta1"),
        (lambda d: d.update(init={"scheme": "magic"}), "init.scheme"),
        (lambda d: d["data"].update(targets=[[1]]), "data.targets"),
        (lambda d: d.update(data={"dataset": "mnist3d"}), "data.dataset"),
        (lambda d: d["layers"][1].update(activation="softmax"), "layers[1].activation"),
        (
            lambda d: d["layers"][1].update(weights=[[1, "x"], [0, 0], [0, 0]]),
            "layers[1].weights[0][1]",
        ),
    ],
)
def test_bad_network_files_name_the_field(mutate, field):
    d = json.loads((PRESETS / "design_example.json").read_text())
    mutate(d)
    with pytest.raises(NetworkFileError) as e:
        parse_network(d)
    assert e.value.field == field, str(e.value)


def test_unreadable_files_are_clear(tmp_path):
    p = tmp_path / "n.json"
    p.write_text("{ not json")
    with pytest.raises(NetworkFileError, match="not valid JSON \\(line 1"):
        load_network_file(p)
    with pytest.raises(NetworkFileError, match="no such file"):
        load_network_file(tmp_path / "missing.json")


def test_spec_round_trips_through_its_dict():
    for f in PRESETS.glob("*.json"):
        spec = load_network_file(f)
        assert parse_network(spec_to_dict(spec)) == spec, f.name


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_builtin_dataset_is_seeded_and_shaped(name):
    a, b = make_dataset(name), make_dataset(name)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    assert len(a.inputs) == len(a.targets) and np.isfinite(a.inputs).all()
    assert a.task in ("classification", "regression")


def test_csv_import_and_its_errors_with_line_numbers(tmp_path):
    from engine.numpy_engine import CsvError, load_csv

    p = tmp_path / "d.csv"
    p.write_text("x1,x2,y\n0,1,1\n1,0,1\n\n1,1,0\n")
    d = load_csv(p)
    assert d.inputs.shape == (3, 2) and d.task == "classification"
    for text, msg in [
        ("x1,x2,y\n0,1,1\n1,0\n", "line 3: expected 3 values"),
        ("x1,x2,y\n0,1,1\n1,abc,0\n", "line 3: column 2 ('x2') is not a number"),
        ("", "empty"),
        ("x1,x2,y\n", "no data rows"),
        ("x1,x2,y\n0,nan,1\n", "line 2: column 2 is not a finite number"),
    ]:
        p.write_text(text)
        with pytest.raises(CsvError, match=re.escape(msg)):
            load_csv(p)


def test_every_optimizer_has_an_explained_update():
    for name in OPTIMIZERS:
        d = json.loads((PRESETS / "xor_2_2_1.json").read_text())
        d["optimizer"] = {"name": name, "lr": 0.1}
        net = Network(parse_network(d))
        r = net.step(net.step(net.initial_state()).after)
        ups = [e for e in r.events if e.phase == "update"]
        assert len(ups) == 9
        assert all(e.substituted.endswith(f"= {e.substituted.split('= ')[-1]}") for e in ups)
        assert all(isinstance(e.detail["new"], float) for e in ups)


def test_mnist_sized_mlp_trains_vectorised_through_the_same_code():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 784)).astype(np.float32)
    labels = x[:, :10].argmax(1)
    from engine.numpy_engine import Dataset

    data = Dataset("synthetic", x, np.eye(10, dtype=np.float32)[labels], "classification")
    spec = classifier_mlp(batch_size=64)
    net = Network(spec, data, dtype=np.float32)
    st = net.initial_state()
    before = net.loss(st)
    st, _ = net.train(st, 40)
    assert st.params[0][0].dtype == np.float32
    assert net.loss(st) < before * 0.5 and net.accuracy(st) > 0.6


@pytest.mark.parametrize("preset", sorted(p.name for p in PRESETS.glob("*.json")))
def test_lazy_trace_counts_match_what_it_builds(preset):
    net = Network.from_file(PRESETS / preset)
    r = net.step(net.initial_state())
    events = list(r.events)
    assert len(events) == len(r.events) > 0
    assert r.events[-1] is events[-1] and r.events[0] is events[0]
    assert r.events[r.events.phase_start("update")].phase == "update"
    assert [e.phase for e in r.events[r.events.phase_start("loss") - 1 :][:2]] == [
        "forward",
        "loss",
    ]


def test_wide_layers_are_traced_as_summaries():
    rng = np.random.default_rng(0)
    spec = parse_network(
        {
            "layers": [
                {"units": 784},
                {"units": 8, "activation": "relu"},
                {"units": 10, "activation": "softmax"},
            ],
            "loss": "cce",
            "data": {
                "inputs": rng.random((2, 784)).tolist(),
                "targets": np.eye(10)[[3, 7]].tolist(),
            },
        }
    )
    r = Network(spec).step(Network(spec).initial_state())
    z = r.events[0]
    assert z.substituted.count("·") == 7 and "(777 more terms)" in z.substituted
    assert z.value == pytest.approx(float(r.before.params[0][0][0] @ spec_inputs(spec)[0]))
    assert len(list(r.events)) == len(r.events)


def spec_inputs(spec):
    return np.array(spec.data.inputs)


def test_the_perceptron_meets_the_step_functions_edge_exactly():
    """Issue 23, defect 8: the AND preset's weights are exact in binary, so for (1, 1) z is
    exactly 0 (it was 0.3 − 0.2 − 0.1 = −2.776e−17) and step(0) = 1, as a hand calculation says."""
    net = Network.from_file(PRESETS / "perceptron_and.json")
    st = net.initial_state()
    for W, b in st.params:  # every parameter a multiple of 1/64: exact in binary
        assert all((v * 64).is_integer() for v in [*W.ravel().tolist(), *b.ravel().tolist()])
    r = net.step(st)
    z = {e.sample: e for e in r.events if e.kind == "z"}
    x = net.data.inputs
    s = next(i for i, row in enumerate(x.tolist()) if row == [1.0, 1.0])
    assert z[s].value == 0.0 and z[s].substituted.endswith("= 0")
    a = next(e for e in r.events if e.kind == "a" and e.sample == s)
    assert a.value == 1.0 and "step(0) = 1" in a.substituted


def test_a_long_sum_writes_its_symbols_with_the_terms_its_numbers_write():
    """Issue 23, defect 10: a 784-term z read w[..][0]·a[0] + w[..][1]·a[1] + … while its numbers
    were the 7 largest terms (i = 427, 212, …). Both lines now name the same terms, in order."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(2, 40)), np.array([[1.0], [0.0]])
    d = {"layers": [{"units": 40}, {"units": 3, "activation": "tanh"},
                    {"units": 1, "activation": "sigmoid"}],
         "loss": "bce", "optimizer": {"name": "sgd", "lr": 0.1},
         "data": {"inputs": x.tolist(), "targets": y.tolist()}}  # fmt: skip
    net = Network(parse_network(d))
    r = net.step(net.initial_state())
    for e in (r.events[i] for i in range(len(r.events))):
        if e.kind != "z" or e.layer != 1:
            continue
        top = [t[0] for t in e.detail["terms"]]
        assert [int(i) for i in re.findall(r"·a\[0\]\[(\d+)\]", e.formula)] == top
        assert "(33 more terms)" in e.formula and "(33 more terms)" in e.substituted
        W, a = r.before.params[0][0], x[e.sample]
        assert [f"{float(W[e.index[0], i] * a[i]):.3g}" for i in top] == [
            f"{t[1]:.3g}" for t in e.detail["terms"]
        ]


def test_the_flatten_event_says_its_value_is_the_first_of_the_vector():
    """Issue 23, defect 10: the flatten event reported one value, "a[1] = −0.424", for 784."""
    d = json.loads((PRESETS / "cnn_tiny_digits.json").read_text())
    net = Network(parse_network(d))
    r = net.step(net.initial_state())
    ev = next(r.events[i] for i in range(len(r.events)) if r.events[i].kind == "flatten")
    l = ev.layer
    assert ev.symbol == f"a[{l}][0]" and ev.value == r.events.arrays.fw.A[l][0, 0]
    from engine.numpy_engine.fmt import num

    assert "the first: " in ev.substituted and ev.substituted.endswith(num(ev.value))
