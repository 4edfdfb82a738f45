"""The model-insides functions on a tiny model and tiny synthetic data (never the real MNIST)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.torch_engine import insides as ins
from engine.torch_engine.drawing import centre_of_mass, preprocess_drawing
from engine.torch_engine.gradient_noise import flat_gradient, gradient_noise, reference
from engine.torch_engine.mnist import MnistData, normalise
from engine.torch_engine.models import ModelConfig, build_layers, build_model, layer_groups
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.training import TrainConfig
from engine.torch_engine.transfer import freeze_features, frozen_state, transfer_recordings

from .mnist_fixtures import synthetic_digits

TINY_CNN = [
    {"type": "conv", "out": 4, "kernel": 3, "batchnorm": True, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
]


@pytest.fixture
def cnn():
    torch.manual_seed(0)
    return build_layers(TINY_CNN).eval()


@pytest.fixture
def digits():
    return synthetic_digits(60, seed=3)


def test_confusion_matrix_matches_predictions_counted_by_hand(cnn, digits):
    x, y = digits
    p = ins.predict_all(cnn, x, y, batch=7)
    counts = ins.confusion_matrix(p)
    assert counts.sum() == len(y)
    hand = np.zeros((10, 10), int)
    with torch.no_grad():
        pred = cnn(normalise(x)).argmax(1).numpy()
    for t, q in zip(y, pred, strict=True):
        hand[t, q] += 1
    assert np.array_equal(counts, hand)
    norm = ins.row_normalised(counts)
    assert np.allclose(norm.sum(1)[counts.sum(1) > 0], 1.0)
    acc = ins.per_class_accuracy(counts)
    assert np.allclose(acc, np.diag(hand) / hand.sum(1))
    t, q = map(int, np.argwhere(counts > 0)[0])
    cell = ins.cell_indices(p, t, q)
    assert len(cell) == counts[t, q] and all(y[cell] == t) and all(pred[cell] == q)


def test_misclassified_are_wrong_and_sorted_by_loss(cnn, digits):
    x, y = digits
    p = ins.predict_all(cnn, x, y)
    wrong = ins.misclassified(p)
    assert len(wrong) == int((p.predicted != p.labels).sum()) > 0
    losses = [m.loss for m in wrong]
    assert losses == sorted(losses, reverse=True)
    m = wrong[0]
    assert m.true == y[m.index] and m.predicted != m.true and m.top3[0][0] == m.predicted
    assert len(m.top3) == 3 and m.top3[0][1] >= m.top3[1][1] >= m.top3[2][1]
    assert len(ins.misclassified(p, limit=2)) == min(2, len(wrong))
    with torch.no_grad():  # the true class's probability, from torch's softmax of the logits
        probs = torch.softmax(cnn.double()(normalise(x).double()), 1).numpy()
    cnn.float()
    for m in wrong:
        assert m.true_prob == pytest.approx(probs[m.index, m.true], rel=1e-4, abs=1e-7)
        assert m.true_prob == pytest.approx(np.exp(-m.loss), rel=1e-3, abs=1e-7)
        assert m.true_prob < m.top3[0][1]  # wrong: the true class was not the likeliest


def test_first_layer_filters_of_a_cnn_and_an_mlp(cnn):
    imgs, units, norms = ins.first_layer_filters(cnn)
    assert imgs.shape == (4, 3, 3) and list(units) == [0, 1, 2, 3]
    mlp = build_model(ModelConfig("mlp", hidden=(100, 20)))
    imgs, units, norms = ins.first_layer_filters(mlp, count=64)
    assert imgs.shape == (64, 28, 28) and list(units[:3]) == [0, 1, 2]
    w = mlp[1].weight.detach()
    assert np.allclose(imgs[5], w[5].reshape(28, 28).numpy())
    big, units, norms = ins.first_layer_filters(mlp, count=10, by_norm=True)
    all_norms = torch.linalg.vector_norm(w, dim=1).numpy()
    assert np.allclose(norms, np.sort(all_norms)[::-1][:10])
    assert list(norms) == sorted(norms, reverse=True)


def test_feature_maps_cover_every_layer_and_end_in_the_softmax(cnn, digits):
    x, _ = digits
    outs, probs = ins.feature_maps(cnn, x[0])
    assert [(o.name, o.values.shape) for o in outs] == [
        ("conv 1", (4, 26, 26)),
        ("pool 1", (4, 13, 13)),
        ("dense 1", (10,)),
    ]
    assert (outs[0].values >= 0).all()  # after the ReLU
    assert [o.then for o in outs] == ["bn relu", "", ""]
    with torch.no_grad():
        expect = torch.softmax(cnn(normalise(x[0])), 1)[0].numpy()
    assert np.allclose(probs, expect, atol=1e-6)


def test_the_fast_cnns_maps_say_what_each_went_through(digits):
    """The fast CNN pools before its batch norm and ReLU: a conv's maps are its raw z (signed),
    a pooling layer's are after "bn relu"; each equals the model's own layers run by hand."""
    torch.manual_seed(0)
    model = build_model(ModelConfig("fast-cnn")).eval()
    x, _ = digits
    outs, _ = ins.feature_maps(model, x[0])
    assert [(o.name, o.then) for o in outs] == [
        ("conv 1", ""), ("pool 1", "bn relu"), ("conv 2", ""), ("pool 2", "bn relu"),
        ("dense 1", "")]  # fmt: skip
    with torch.no_grad():
        h = normalise(x[0])
        z1 = model[0](h)
        a1 = model[3](model[2](model[1](z1)))
    assert np.allclose(outs[0].values, z1[0].numpy()) and (outs[0].values < 0).any()
    assert np.allclose(outs[1].values, a1[0].numpy()) and (outs[1].values >= 0).all()


def test_a_batch_norm_after_flatten_is_shown_on_the_pooling_layers_maps(digits):
    """pool, flatten, bn relu: the batch norm normalises each of the flattened units, which are
    the pooling layer's map values, so they are shown as its maps (C, H, W), "then bn relu"."""
    torch.manual_seed(0)
    layers = ({"type": "conv", "out": 4, "kernel": 5}, {"type": "pool", "size": 2},
              {"type": "flatten"}, {"type": "batchnorm", "activation": "relu"},
              {"type": "dense", "units": 10})  # fmt: skip
    model = build_model(ModelConfig("custom", layers=layers)).eval()
    x, _ = digits
    outs, _ = ins.feature_maps(model, x[0])
    assert [(o.name, o.then) for o in outs] == [("conv 1", ""), ("pool 1", "bn relu"),
                                                ("dense 1", "")]  # fmt: skip
    with torch.no_grad():
        flat = model[4](model[3](model[2](model[1](model[0](normalise(x[0]))))))  # (1, 576)
    assert outs[1].values.shape == (4, 12, 12)
    assert np.allclose(outs[1].values, flat.reshape(4, 12, 12).numpy())


def test_saliency_equals_torch_autograd(cnn, digits):
    x, _ = digits
    probs, grad = ins.saliency(cnn, x[1])
    pixels = torch.tensor(x[1], dtype=torch.float32, requires_grad=True)  # (28, 28) 0-255
    out = cnn(((pixels / 255 - 0.1307) / 0.3081)[None, None])[0]
    out[out.argmax()].backward()
    assert np.allclose(grad, pixels.grad.numpy(), rtol=1e-5, atol=1e-8)
    assert np.allclose(probs, torch.softmax(out, 0).detach().numpy(), atol=1e-6)
    assert cnn.training is False


def test_augmentations_move_the_digit_but_keep_its_ink(digits):
    x, _ = digits
    aug = ins.augmentations(x[0], n=6, seed=1)
    assert aug.shape == (6, 28, 28) and aug.min() >= 0 and aug.max() <= 255
    assert not np.allclose(aug[0], aug[1])
    assert abs(aug[0].mean() - x[0].mean()) < 0.3 * x[0].mean()


def test_a_drawing_is_fitted_in_20_px_and_centred_by_its_centre_of_mass():
    canvas = np.zeros((280, 280), np.float32)
    canvas[10:90, 180:270] = 1.0  # a blob in the top-right corner
    canvas[10:30, 180:200] = 0.0  # not symmetric, so the centre of mass is not the box centre
    img = preprocess_drawing(canvas)
    assert img.shape == (28, 28) and img.dtype == np.uint8 and img.max() == 255
    rows, cols = np.flatnonzero(img.max(1)), np.flatnonzero(img.max(0))
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) == 20
    r, c = centre_of_mass(img)
    assert abs(r - 13.5) <= 0.6 and abs(c - 13.5) <= 0.6
    assert preprocess_drawing(np.zeros((50, 50))).max() == 0


def test_gradient_noise_falls_with_batch_size_and_is_zero_at_the_full_batch(cnn, digits):
    x, y = digits
    xs, ys = normalise(x), torch.as_tensor(y, dtype=torch.int64)
    pts = list(gradient_noise(cnn, xs, ys, (2, 8, 30, 60, 100), draws=12, seed=0))
    assert [p.batch_size for p in pts] == [2, 8, 30, 60]  # 100 > 60 samples: skipped
    errs = [p.rel_error for p in pts]
    assert errs[0] > errs[1] > errs[2] > errs[3] and errs[3] < 1e-9
    assert pts[-1].cosine == pytest.approx(1.0) and pts[0].cosine < pts[2].cosine
    ref = reference(pts)
    assert ref[-1] == 0 and np.allclose(ref[:3] / ref[0], [p.law / pts[0].law for p in pts[:3]])
    for p in pts[:3]:  # the RMS error follows the sampling law within sampling noise
        assert p.rel_error == pytest.approx(ref[pts.index(p)], rel=0.35)
    full = flat_gradient(cnn, xs, ys)
    with torch.enable_grad():
        F.cross_entropy(cnn(xs), ys).backward()
    by_torch = torch.cat([p.grad.flatten() for p in cnn.parameters()])
    assert torch.allclose(full.float(), by_torch, atol=1e-6)


def _data(n_train=400, n_test=100):
    tx, ty = synthetic_digits(n_train, 0)
    vx, vy = synthetic_digits(n_test, 1)
    return MnistData(tx, ty, vx, vy, "synthetic")


def test_frozen_layers_are_bit_identical_after_the_transfer_run(tmp_path):
    model = build_layers(TINY_CNN)
    names = freeze_features(model)
    assert names == ["conv 1"]
    before = frozen_state(model)
    assert {k.split(".")[0] for k in before} == {"0", "1"}  # the conv and its batch norm
    store = RunStore(tmp_path / "runs.sqlite")
    cfg = TrainConfig(
        model=ModelConfig("custom", layers=tuple(TINY_CNN)), epochs=1, batch_size=32, lr=3e-3
    )
    labels = []
    for label, rec in transfer_recordings(cfg, _data(), store, sample=60, finetune_epochs=2):
        labels.append(label)
        assert list(rec)[-1].kind == "done"
    assert labels == ["pretrain 0–4", "transfer 5–9 (conv 1 frozen)", "scratch 5–9 (60 digits)"]
    rows = sorted(store.runs(), key=lambda r: r.id)
    assert len({r.group_id for r in rows}) == 1 and all(r.status == "finished" for r in rows)
    from engine.torch_engine.checkpoint import load_checkpoint

    pre, tuned = (load_checkpoint(r.checkpoint).model.state_dict() for r in rows[:2])
    for k in ("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var"):
        assert torch.equal(pre[k], tuned[k]), k
    assert not torch.equal(pre["5.weight"], tuned["5.weight"])  # the classifier did learn


def test_training_emits_weight_histograms_at_each_epoch_end(tmp_path):
    from engine.torch_engine.histograms import BINS, heat_strip
    from engine.torch_engine.recording import record_run
    from engine.torch_engine.records import Histograms
    from engine.torch_engine.training import train

    cfg = TrainConfig(
        model=ModelConfig("custom", layers=tuple(TINY_CNN)), epochs=2, batch_size=50, lr=3e-3
    )
    store = RunStore(tmp_path / "runs.sqlite")
    recs = list(record_run(store, "h", "train", cfg, train(cfg, _data(200, 50))))
    hists = [r for r in recs if isinstance(r, Histograms)]
    assert [h.epoch for h in hists] == [0.0, 1.0, 2.0] and hists[0].layer_names == (
        "conv 1",
        "dense 1",
    )
    model = recs[-1].model
    sizes = [sum(p.numel() for p in ps if p.dim() >= 2) for _, ps in layer_groups(model)]
    assert sizes[0] < sum(p.numel() for p in layer_groups(model)[0][1])  # not the BN's γ, β
    initial, hists = hists[0], hists[1:]  # epoch 0: the initial weights, before any gradient
    assert initial.step == 0 and [sum(c) for c in initial.weight_hist] == sizes
    assert [sum(c) for c in initial.grad_hist] == [0, 0]
    torch.manual_seed(cfg.seed)
    fresh = build_model(cfg.model)  # the same seed builds the same initial weights
    w0 = fresh[-1].weight.detach().flatten().numpy()  # the weights, not the bias
    assert initial.weight_edges[1][-1] == pytest.approx(np.abs(w0).max(), rel=1e-6)
    assert initial.weight_edges[1] != hists[-1].weight_edges[1]  # training moved them
    for h in hists:
        assert [sum(c) for c in h.weight_hist] == sizes == [sum(c) for c in h.grad_hist]
        assert all(
            len(c) == BINS and len(e) == BINS + 1
            for c, e in zip(h.weight_hist, h.weight_edges, strict=True)
        )
    stored = store.records(store.runs()[0].id, ("histograms",))
    epochs, edges, image = heat_strip(stored, 1, "weight", bins=32)
    assert list(epochs) == [0.0, 1.0, 2.0] and image.shape == (32, 3) and len(edges) == 33
    assert np.allclose(image.sum(0), 1.0)
    w = model[-1].weight.detach().flatten().numpy()
    assert edges[-1] == pytest.approx(np.abs(w).max(), rel=1e-5)  # the last epoch spans them all
    _, _, logged = heat_strip(stored, 1, "weight", bins=32, log=True)
    assert np.allclose(10 ** logged[image > 0], image[image > 0]) and logged.min() >= -6


def test_eval_mode_gives_the_model_back_in_the_mode_it_was_in_even_on_an_error():
    import pytest
    from torch import nn

    from engine.torch_engine.models import eval_mode

    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.train()
    with eval_mode(model):
        assert not model.training and not model[1].training
    assert model.training
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("in the block")
    assert model.training
    model.eval()
    with eval_mode(model):
        pass
    assert not model.training


def test_confusion_colours_show_what_the_cells_show():
    """Issue 23: counts under a bar labelled 'fraction of the row, 0-0.007'. The colours and the
    bar are now the cells' own quantity."""
    counts = np.zeros((10, 10), int)
    counts[np.arange(10), np.arange(10)] = 90
    counts[3, 5], counts[4, 9], counts[7, 1] = 8, 3, 1
    counts[2, 2] = 0  # a true class with no digit: its row stays 0
    values, levels, label = ins.confusion_colours(counts, "counts", clip=True)
    assert np.array_equal(values, counts) and levels == (0.0, 8.0) and label == "digits in the cell"
    assert ins.confusion_colours(counts, "counts", clip=False)[1] == (0.0, 90.0)
    values, levels, label = ins.confusion_colours(counts, "percent", clip=True)
    assert values[3, 5] == pytest.approx(100 * 8 / 98) and values[2].sum() == 0
    assert levels == pytest.approx((0.0, 100 * 8 / 98)) and label == "% of the true digit's row"
    assert ins.confusion_colours(counts, "percent", clip=False)[1] == (0.0, 100.0)
    diagonal = np.diag(np.full(10, 5))  # no confusion at all: the clip falls back to the full bar
    assert ins.confusion_colours(diagonal, "counts", clip=True)[1] == (0.0, 5.0)
    assert ins.confusion_colours(np.zeros((10, 10), int), "counts", clip=True)[1] == (0.0, 1.0)
    with pytest.raises(ValueError, match="'counts' or 'percent'"):
        ins.confusion_colours(counts, "fraction", clip=True)


def test_the_forms_training_digits_reach_the_pretraining_not_the_runs_on_5_to_9(tmp_path):
    """ "Training digits" of 2,000 in the form: the pretraining ran, then the transfer run was
    refused ("more than the 500 training digits left") and listed as interrupted, with no run
    from scratch (a newcomer's walk). The runs on 5–9 train on their own digits."""
    store = RunStore(tmp_path / "runs.sqlite")
    cfg = TrainConfig(
        model=ModelConfig("custom", layers=tuple(TINY_CNN)), epochs=1, batch_size=32, lr=3e-3,
        train_size=100,
    )  # fmt: skip
    labels = [label for label, rec in transfer_recordings(cfg, _data(), store, sample=60,
                                                           finetune_epochs=1) if list(rec)]  # fmt: skip
    assert len(labels) == 3
    rows = sorted(store.runs(), key=lambda r: r.id)
    assert [r.status for r in rows] == ["finished"] * 3
    assert rows[0].config.train_size == 100 and rows[1].config.train_size is None
