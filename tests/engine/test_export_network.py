"""A trained torch model exported as a network file: the NumPy engine on the file gives torch's
logits, loss, gradients and SGD step on the same digits (float64, to 1e-9); for the fast CNN the
reference is torch in eval mode with each batch norm folded into its conv. And the CLI."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from app.cli import main
from engine.numpy_engine import Network, core, parse_network
from engine.torch_engine.checkpoint import save_checkpoint
from engine.torch_engine.export import ExportError, export_network, write_network_file
from engine.torch_engine.mnist import normalise
from engine.torch_engine.models import ModelConfig, build_model
from engine.torch_engine.training import TrainConfig
from tests.engine.mnist_fixtures import synthetic_digits, write_mnist

TOL = 1e-9
LR = 0.05


def trained(name: str, steps: int = 5) -> nn.Module:
    """A model after a few SGD steps in training mode (batch norm statistics and dropout move)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(name))
    x, y = synthetic_digits(64, seed=3)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for s in range(steps):
        xb, yb = normalise(x[s * 8 : s * 8 + 8]), torch.as_tensor(y[s * 8 : s * 8 + 8]).long()
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    return model.eval()


def folded(model: nn.Module) -> nn.Sequential:
    """The eval-mode function in float64 with each BatchNorm2d folded into its conv (torch ops)."""
    mods = list(copy.deepcopy(model).double().eval())
    out: list[nn.Module] = []
    for m in mods:
        if isinstance(m, nn.BatchNorm2d):
            at = max(i for i, c in enumerate(out) if isinstance(c, nn.Conv2d))  # before pooling
            conv = out[at]
            s = m.weight / torch.sqrt(m.running_var + m.eps)
            b = conv.bias if conv.bias is not None else torch.zeros_like(s)
            new = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                            conv.stride, conv.padding).double()  # fmt: skip
            with torch.no_grad():
                new.weight.copy_(conv.weight * s.view(-1, 1, 1, 1))
                new.bias.copy_(m.bias + (b - m.running_mean) * s)
            out[at] = new
        elif not isinstance(m, nn.Dropout):
            out.append(m)
    return nn.Sequential(*out)


def torch_step(ref: nn.Sequential, images, labels):
    """Logits, loss, gradients and parameters after one plain SGD step, as numpy arrays."""
    x = normalise(images).double()
    logits = ref(x)
    loss = F.cross_entropy(logits, torch.as_tensor(labels).long())
    params = [p for p in ref.parameters()]
    grads = torch.autograd.grad(loss, params)
    after = [(p - LR * g).detach().numpy() for p, g in zip(params, grads, strict=True)]
    return logits.detach().numpy(), float(loss.detach()), [g.numpy() for g in grads], after


def flat(pairs) -> list[np.ndarray]:
    return [a for W, b in pairs for a in (W, b) if a.size]


@pytest.mark.parametrize("name", ["mlp", "fast-cnn", "lenet"])
@pytest.mark.parametrize("rows", [[0], [0, 1, 2]])
def test_numpy_engine_on_the_export_matches_torch(name, rows):
    model = trained(name)
    x, y = synthetic_digits(3, seed=7)
    net_dict = export_network(model, x, y, lr=LR, indices=[10, 11, 12])
    net = Network(parse_network(json.loads(json.dumps(net_dict))))
    state = net.initial_state()
    r = net.step(state, rows=rows)
    fw = core.forward(net.model, state.params, net.data.inputs[rows])
    logits, loss, grads, after = torch_step(folded(model), x[rows], y[rows])
    np.testing.assert_allclose(fw.Z[-1], logits, atol=TOL, rtol=0)
    with torch.no_grad():  # the unfolded eval-mode model (float32) agrees too
        plain = model(normalise(x[rows])).numpy()
    np.testing.assert_allclose(fw.Z[-1], plain, atol=1e-4, rtol=0)
    assert abs(r.loss - loss) < TOL
    for mine, theirs in zip(flat(r.grads), grads, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=TOL, rtol=0)
    for mine, theirs in zip(flat(r.after.params), after, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=TOL, rtol=0)


def test_the_file_says_what_it_is():
    net = export_network(trained("fast-cnn", 1), *synthetic_digits(2))
    text = net["description"]
    assert "0.1307" in text and "0.3081" in text
    assert "batch norm after max-pooling is folded into the conv before the pooling" in text
    assert [lay.get("type", "dense") for lay in net["layers"][1:]] == [
        "conv", "maxpool", "conv", "maxpool", "flatten", "dense"]  # fmt: skip
    assert net["loss"] == "cce" and net["optimizer"] == {"name": "sgd", "lr": 0.01}
    assert net["layers"][-1]["activation"] == "softmax"
    mlp = export_network(trained("mlp", 1), *synthetic_digits(1))
    assert "Dropout is the identity" in mlp["description"]
    assert mlp["layers"][0] == {"shape": [1, 28, 28]} and mlp["layers"][1] == {"type": "flatten"}
    assert mlp["data"]["targets"] == [[1.0] + [0.0] * 9]


@pytest.mark.parametrize(
    ("model", "named"),
    [
        (nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.LayerNorm(10)), "LayerNorm"),
        (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Flatten(), nn.Linear(968, 10)),
         "Conv2d"),
        (nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.GELU()), "GELU"),
    ],
)  # fmt: skip
def test_a_layer_the_engine_cannot_express_is_refused_by_name(model, named):
    with pytest.raises(ExportError, match=named):
        export_network(model, *synthetic_digits(1))


def test_write_checks_the_path(tmp_path):
    net = export_network(trained("mlp", 1), *synthetic_digits(1))
    with pytest.raises(ValueError, match="-o"):
        write_network_file(tmp_path / "no" / "such" / "net.json", net)
    p = write_network_file(tmp_path / "net.json", net)
    assert Network.from_file(p).data.inputs.shape == (1, 784)


@pytest.fixture
def checkpoint(tmp_path):
    cfg = TrainConfig(model=ModelConfig("fast-cnn"))
    path = tmp_path / "cnn.pt"
    save_checkpoint(path, trained("fast-cnn", 2), cfg, {"epochs": 0})
    return path


def test_cli_writes_a_file_the_explainer_reads(tmp_path, checkpoint, capsys):
    data = write_mnist(tmp_path / "mnist", n_train=20, n_test=30)
    out = tmp_path / "net.json"
    args = ["export-network", str(checkpoint), "--data", str(data), "--digit", "4"]
    assert main([*args, "--digits", "7,4", "-o", str(out)]) == 0
    net = Network.from_file(out)
    assert net.data.inputs.shape == (2, 784)
    assert net.data.targets.argmax(1).tolist() == [4, 7]  # synthetic labels are index % 10
    assert "#4 (a 4)" in net.spec.description
    kept_out = tmp_path / "kept.json"
    assert main([*args, "--batchnorm", "keep", "-o", str(kept_out)]) == 0
    kinds = [d.kind for d in Network.from_file(kept_out).model.layers]
    assert "batchnorm" in kinds and "batchnorm" not in [d.kind for d in net.model.layers]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--digit", "30"], "not a test digit"),
        (["--digit", "x"], "not a whole number"),
        ([], "give --digit"),
        (["--digit", "1", "--lr", "-1"], "--lr"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, checkpoint, capsys, extra, says):
    data = write_mnist(tmp_path / "mnist", n_train=20, n_test=30)
    args = ["export-network", str(checkpoint), "--data", str(data), "-o", str(tmp_path / "n.json")]
    assert main([*args, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err and not (tmp_path / "n.json").exists()


def test_cli_refuses_a_bad_output_path_and_a_bad_checkpoint(tmp_path, checkpoint, capsys):
    data = write_mnist(tmp_path / "mnist", n_train=20, n_test=30)
    bad_out = str(tmp_path / "missing" / "n.json")
    assert main(["export-network", str(checkpoint), "--data", str(data), "--digit", "1",
                 "-o", bad_out]) == 2  # fmt: skip
    assert "-o" in capsys.readouterr().err
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    out = str(tmp_path / "n.json")
    assert main(["export-network", str(junk), "--digit", "1", "-o", out]) == 2
    assert "junk.pt" in capsys.readouterr().err


def kept(model: nn.Module) -> nn.Sequential:
    """The eval-mode model in float64, a conv without bias given a zero one (as the file has)."""
    out: list[nn.Module] = []
    for m in copy.deepcopy(model).double().eval():
        if isinstance(m, nn.Conv2d) and m.bias is None:
            new = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride,
                            m.padding).double()  # fmt: skip
            with torch.no_grad():
                new.weight.copy_(m.weight)
                new.bias.zero_()
            m = new
        if not isinstance(m, nn.Dropout):
            out.append(m)
    return nn.Sequential(*out).eval()


@pytest.mark.parametrize("rows", [[0], [0, 1, 2]])
def test_the_fast_cnns_batch_norms_kept_as_layers_equal_torch_in_eval_mode(rows):
    model = trained("fast-cnn")
    x, y = synthetic_digits(3, seed=7)
    net_dict = export_network(model, x, y, lr=LR, indices=[10, 11, 12], batchnorm="keep")
    kinds = [lay.get("type", "dense") for lay in net_dict["layers"][1:]]
    assert kinds.count("batchnorm") == sum(isinstance(m, nn.BatchNorm2d) for m in model)
    assert all(lay["mode"] == "eval" for lay in net_dict["layers"][1:] if "mode" in lay)
    assert "a layer of its own" in net_dict["description"]
    net = Network(parse_network(json.loads(json.dumps(net_dict))))
    state = net.initial_state()
    r = net.step(state, rows=rows)
    fw = core.forward(net.model, state.params, net.data.inputs[rows])
    ref = kept(model)
    logits, loss, grads, after = torch_step(ref, x[rows], y[rows])
    np.testing.assert_allclose(fw.Z[-1], logits, atol=TOL, rtol=0)
    assert abs(r.loss - loss) < TOL
    for mine, theirs in zip(flat(r.grads), grads, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=TOL, rtol=0)
    for mine, theirs in zip(flat(r.after.params), after, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=TOL, rtol=0)
    bn = [m for m in model if isinstance(m, nn.BatchNorm2d)][0]  # eval mode: nothing moves
    k = kinds.index("batchnorm")
    np.testing.assert_array_equal(r.after.stats[k].mean, bn.running_mean.double().numpy())
    folded_net = export_network(model, x, y, lr=LR)  # the default still folds
    assert all(lay.get("type") != "batchnorm" for lay in folded_net["layers"])


def test_a_bad_batchnorm_choice_is_refused():
    with pytest.raises(ExportError, match="fold, keep"):
        export_network(trained("mlp", 1), *synthetic_digits(1, seed=1), batchnorm="drop")


def test_cli_a_bad_batchnorm_choice_is_one_line_and_exit_2(tmp_path, checkpoint, capsys):
    out = tmp_path / "n.json"
    args = ["export-network", str(checkpoint), "--digit", "1", "--batchnorm", "drop"]
    with pytest.raises(SystemExit) as ex:
        main([*args, "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert ex.value.code == 2 and "--batchnorm" in err and "\n" not in err and not out.exists()


def _steps_equal(net_dict: dict, ref: nn.Sequential, x, y, rows) -> None:
    net = Network(parse_network(json.loads(json.dumps(net_dict))))
    state = net.initial_state()
    r = net.step(state, rows=rows)
    fw = core.forward(net.model, state.params, net.data.inputs[rows])
    logits, loss, grads, _ = torch_step(ref, x[rows], y[rows])
    np.testing.assert_allclose(fw.Z[-1], logits, atol=TOL, rtol=0)
    assert abs(r.loss - loss) < TOL
    for mine, theirs in zip(flat(r.grads), grads, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=TOL, rtol=0)


def test_a_negative_scale_after_max_pooling_keeps_its_batch_norm_as_a_layer():
    """Max-pooling and a batch norm of negative γ do not commute (it would pick the smallest),
    so the fast CNN's second batch norm is not folded then: it stays a layer of its own."""
    model = trained("fast-cnn")
    bns = [m for m in model if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        bns[1].weight[3] = -0.7
    x, y = synthetic_digits(3, seed=7)
    net_dict = export_network(model, x, y, lr=LR, indices=[10, 11, 12])
    kinds = [lay.get("type", "dense") for lay in net_dict["layers"][1:]]
    assert kinds == ["conv", "maxpool", "conv", "maxpool", "batchnorm", "flatten", "dense"]
    assert net_dict["layers"][1]["activation"] == "relu"  # the first one folded, ReLU moved
    assert "a layer of its own" in net_dict["description"]
    ref = kept(folded_first(model))
    _steps_equal(net_dict, ref, x, y, [0, 1, 2])


def folded_first(model: nn.Module) -> nn.Sequential:
    """The model with only its first batch norm folded into the first conv (float64)."""
    f = folded(model)  # folds both; take its first conv and keep the original second half
    mods = list(copy.deepcopy(model).double().eval())
    mods[0], mods[2] = list(f)[0], nn.Identity()
    return nn.Sequential(*mods)


def test_a_relu_after_max_pooling_moves_onto_the_conv_and_after_avg_pooling_is_refused():
    torch.manual_seed(2)
    model = build_model(ModelConfig("custom", layers=(
        {"type": "conv", "out": 3, "kernel": 5}, {"type": "pool", "size": 2},
        {"type": "activation", "name": "relu"}, {"type": "flatten"}, {"type": "dense", "units": 10},
    ))).eval()  # fmt: skip
    x, y = synthetic_digits(3, seed=7)
    net_dict = export_network(model, x, y, lr=LR)
    assert [lay.get("activation") for lay in net_dict["layers"][1:3]] == ["relu", None]
    _steps_equal(net_dict, copy.deepcopy(model).double(), x, y, [0, 1, 2])
    avg = nn.Sequential(model[0], nn.AvgPool2d(2), nn.ReLU(), nn.Flatten(), model[4])
    with pytest.raises(ExportError, match="an activation must follow a dense or conv layer"):
        export_network(avg, x, y)
