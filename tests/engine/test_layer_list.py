"""The custom layer list: every word known (a misspelt activation is an error naming the line and
the words allowed), at most MAX_LAYERS layers, and shape inference linear in the layers."""

from __future__ import annotations

import pytest
from torch import nn

from engine.torch_engine.layer_text import format_layers, parse_layers
from engine.torch_engine.models import MAX_LAYERS, ModelConfig, ModelSpecError, build_model
from engine.torch_engine.settings import check


def layers_error(text: str) -> str:
    return check({"model": "custom", "layers": text, "dropout": "0"}).errors.get("layers", "")


@pytest.mark.parametrize(
    "text, line, word",
    [
        ("flatten\ndense 64 rleu\ndense 10", 2, "unknown word 'rleu'"),
        ("conv 8 3 relu bnn\nflatten\ndense 10", 1, "unknown word 'bnn'"),
        ("conv 8 3 relu tanh\nflatten\ndense 10", 1, "a second activation 'tanh'"),
        ("flatten\ndense 10 relu 5", 2, "unknown word '5'"),
        ("flatten\ndense 64 relu relu\ndense 10", 2, "a second activation"),
        ("conv 8 3\npool 2\nbn relu 2\nflatten\ndense 10", 3, "unknown word '2'"),
        ("conv 8 3\nbn pad 1\nflatten\ndense 10", 2, "unknown word 'pad'"),
        ("conv 8 3\nbn tanh relu\nflatten\ndense 10", 2, "a second activation 'relu'"),
    ],
)
def test_an_unknown_word_names_its_line_and_the_words_allowed(text, line, word):
    err = layers_error(text)
    assert err.startswith(f"line {line} (") and word in err, err
    assert "relu | tanh | sigmoid" in err  # the words allowed


@pytest.mark.parametrize(
    "text",
    [
        "flatten\ndense 64 relu\ndense 10",
        "conv 8 3 relu pad 1 stride 2 bn\npool 2\navgpool 1\nflatten\ndropout 0.25\ndense 10",
        "conv 4 5 LeakY_ReLU\nflatten\ndense 10 linear",
        "conv 16 5\npool 2\nbn relu\nconv 32 3\npool 2\nBatchNorm\nflatten\ndense 10",
        "flatten\ndense 32\nbn tanh\ndense 10",
    ],
)
def test_good_lists_still_parse_and_round_trip(text):
    layers = parse_layers(text)
    assert parse_layers(format_layers(layers)) == layers
    assert layers_error(text) == ""


@pytest.mark.parametrize("extra, ok", [(0, True), (1, False), (400, False)])
def test_the_list_is_capped_at_max_layers(extra, ok):
    text = "flatten\n" + "dense 16 relu\n" * (MAX_LAYERS - 2 + extra) + "dense 10"
    err = layers_error(text)
    assert (err == "") == ok, err
    if not ok:
        assert err == f"{MAX_LAYERS + extra} layers; the limit is {MAX_LAYERS}"
    with pytest.raises(ModelSpecError, match=f"the limit is {MAX_LAYERS}"):
        build_model(ModelConfig("custom", layers=({"type": "dense", "units": 10},) * 101))


def test_shape_inference_runs_each_layer_once(monkeypatch):
    calls = {"conv": 0}
    forward = nn.Conv2d.forward

    def counted(self, x):
        calls["conv"] += 1
        return forward(self, x)

    monkeypatch.setattr(nn.Conv2d, "forward", counted)
    n = 60
    text = "conv 2 1 relu\n" * n + "flatten\ndense 10"
    result = check({"model": "custom", "layers": text, "dropout": "0"})
    assert "layers" not in result.errors
    assert result.parameters == (2 * 1 + 2) + (n - 1) * (2 * 2 + 2) + (2 * 28 * 28 * 10 + 10)
    assert calls["conv"] <= n  # at most one pass per layer (it was 1 + 2 + ... + n = 1,830)


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "empty"),
        ("   \n# only a comment", "empty"),
        ("flatten\ndense 1e9\ndense 10", "line 2"),
        ("flatten\ndense -5\ndense 10", "line 2"),
        ("flatten\ndense nan\ndense 10", "line 2"),
        ("conv 8 99\nflatten\ndense 10", "line 1"),
        ("dropout 1.5\nflatten\ndense 10", "line 1"),
        ("flatten\ndense 64\ndense 12", "10 outputs"),
        ("conv 8 5\npool 2\nconv 8 5\npool 2\nconv 8 5\nflatten\ndense 10", "layer 4"),
        ("\u202e" + "dense 10", "line 1"),
        ("x" * 10_000, "line 1"),
    ],
)
def test_hostile_layer_lists_are_one_sentence(text, why):
    err = layers_error(text)
    assert why in err and "\n" not in err and len(err) < 400, err


@pytest.mark.parametrize(
    "text",
    [
        "conv 8 5 relu\npool 2\nconv 16 3 relu pad 1 stride 2\navgpool 3\nflatten\ndense 10",
        "conv 4 3 stride 3\nconv 4 2 pad 2 bn\npool 2\ndense 10",
        "conv 3 28\ndense 10",
        "pool 5\nconv 2 1 stride 2\nflatten\ndropout 0.1\ndense 32 tanh\ndense 10",
    ],
)
def test_the_shapes_worked_out_are_the_ones_torch_computes(text):
    import torch

    model = build_model(ModelConfig("custom", layers=parse_layers(text)))  # shapes worked out
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)  # a wrong one breaks a Linear


@pytest.mark.parametrize(
    "text, why",
    [
        (
            "conv 8 5\npool 2\nconv 8 5\npool 2\nconv 8 5\nflatten\ndense 10",
            "layer 4 (conv): a 5x5",
        ),
        ("pool 28\npool 2\ndense 10", "layer 1 (pool): a 2x2 window does not fit its 1x1 input"),
        (
            "conv 2 3 stride 28\nconv 2 5 pad 1\ndense 10",
            "layer 1 (conv): a 5x5 window does not fit its 1x1 input (padded to 3x3)",
        ),
    ],
)
def test_a_window_that_does_not_fit_names_its_layer_and_sizes(text, why):
    assert why in layers_error(text), layers_error(text)


def test_a_batch_norm_of_its_own_takes_the_place_of_the_bias_before_it():
    """'bn' after a conv, directly or after pooling, normalises each channel: the conv has no
    bias (the batch norm's β takes its place); the fast CNN is written in these words."""
    from engine.torch_engine.models import FAST_CNN

    pooled = build_model(ModelConfig("custom", layers=parse_layers(
        "conv 4 3\npool 2\navgpool 1\nbn relu\nconv 2 3\nflatten\ndense 10")))  # fmt: skip
    kinds = [type(m).__name__ for m in pooled]
    assert kinds[:5] == ["Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "ReLU"]
    assert pooled[0].bias is None and pooled[5].bias is not None  # the second is not normalised
    for text in ("conv 4 3 relu\nbn\nflatten\ndense 10", "conv 4 3 tanh\npool 2\nbn relu\n"
                 "flatten\ndense 10"):  # fmt: skip
        bent = build_model(ModelConfig("custom", layers=parse_layers(text)))
        assert bent[0].bias is not None  # the bias shifts what the activation bends: it stays
    flat = build_model(ModelConfig("custom", layers=parse_layers("flatten\ndense 8\nbn\ndense 10")))
    assert isinstance(flat[2], nn.BatchNorm1d) and flat[2].num_features == 8
    fast = build_model(ModelConfig("fast-cnn"))
    assert parse_layers(format_layers(FAST_CNN)) == parse_layers(format_layers(parse_layers(
        format_layers(FAST_CNN))))  # fmt: skip
    assert str(
        build_model(ModelConfig("custom", layers=parse_layers(format_layers(FAST_CNN))))
    ) == str(fast)
    assert sum(p.numel() for p in fast.parameters()) == 13_114


def test_a_batch_norm_over_units_refuses_batches_of_one():
    """After a dense layer a batch norm normalises each unit over the batch: one sample has
    nothing to normalise (torch refuses it mid-run), so a batch size of 1 is refused up front."""
    form = {"model": "custom", "layers": "flatten\ndense 8\nbn relu\ndense 10", "dropout": "0",
            "optimizer": "adam", "schedule": "constant", "epochs": "1", "lr": "0.01",
            "weight_decay": "0", "seed": "0", "val_size": "0"}  # fmt: skip
    assert "batch norm" in check(form | {"batch_size": "1"}).errors["batch_size"]
    assert check(form | {"batch_size": "2"}).errors == {}
    conv = form | {"layers": "conv 4 3\nbn relu\nflatten\ndense 10", "batch_size": "1"}
    assert check(conv).errors == {}  # over a map's cells one sample is enough


@pytest.mark.parametrize(("n", "refused"), [(17, True), (16, False)])
def test_epochs_ending_in_a_batch_of_one_are_refused_before_the_run(n, refused):
    """17 samples in batches of 8 end each epoch in a batch of one, which a batch norm over
    units cannot normalise: the run is refused up front in one sentence, not mid-run by torch."""
    import numpy as np
    import torch

    from engine.torch_engine.device_data import DeviceData
    from engine.torch_engine.records import Done
    from engine.torch_engine.training import TrainConfig, train
    from tests.engine.mnist_fixtures import synthetic_digits

    x, y = synthetic_digits(n + 4, seed=2)
    t = torch.from_numpy(x.astype(np.float32) / 255.0 - 0.5).unsqueeze(1)
    lab = torch.from_numpy(y.astype(np.int64))
    data = DeviceData(t[:n], lab[:n], t[:0], lab[:0], t[n:], lab[n:])
    layers = parse_layers("flatten\ndense 8\nbn relu\ndense 10")
    cfg = TrainConfig(model=ModelConfig("custom", layers=layers), epochs=1, batch_size=8,
                      device="cpu")  # fmt: skip
    if refused:
        with pytest.raises(ValueError, match="would hold 1 of the 17 training samples") as e:
            list(train(cfg, data))
        assert "\n" not in str(e.value)
    else:
        assert isinstance(list(train(cfg, data))[-1], Done)


@pytest.mark.parametrize(
    "line, said",
    [
        ("conv 2000 5 relu", "FILTERS is 2000; it must be 1 to 1,024"),
        ("conv 0 5", "FILTERS is 0; it must be 1 to 1,024"),
        ("conv 8 99", "KERNEL is 99; it must be 1 to 28"),
        ("conv 8 3 stride 0", "stride is 0; it must be 1 to 28"),
        ("dense 100001 relu", "UNITS is 100001; it must be 1 to 100,000"),
        ("pool 29", "the size is 29; it must be 1 to 28"),
        ("conv 9" + "9" * 5000 + " 3", "FILTERS is 999999999999; it must be"),
    ],
    ids=lambda v: v[:24],
)
def test_a_number_out_of_range_says_its_range_not_the_syntax(line, said):
    """`conv 2000 5 relu` is written right; the line said how to write a conv line."""
    with pytest.raises(ModelSpecError) as e:
        parse_layers(line + "\nflatten\ndense 10")
    msg = str(e.value)
    assert said in msg and "write 'conv" not in msg and len(msg) < 200
