"""evaluate: the mean loss and accuracy of a set of digits, whatever the batch it is cut into,
equal to the whole set's cross-entropy computed at once (float64 model; the loss to float32)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.torch_engine.device import fast_layout
from engine.torch_engine.evaluation import CPU_CONV_EVAL_BATCH, eval_batch, evaluate, folded
from engine.torch_engine.models import ModelConfig, build_model


def _trained_a_little(name: str) -> torch.nn.Module:
    """A float64 model whose batch norms hold running statistics of their own (not 0 and 1)."""
    torch.manual_seed(3)
    model = fast_layout(build_model(ModelConfig(name)).double())
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(4)
    for _ in range(3):
        x = torch.randn(32, 1, 28, 28, generator=gen, dtype=torch.float64)
        y = torch.randint(0, 10, (32,), generator=gen)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def _digits(n: int, seed: int = 5):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 28, 28, generator=gen, dtype=torch.float64)
    return x, torch.randint(0, 10, (n,), generator=gen)


def test_the_batch_follows_the_model_and_the_device():
    x, _ = _digits(4)
    assert eval_batch(build_model(ModelConfig("fast-cnn")), x) == CPU_CONV_EVAL_BATCH
    assert eval_batch(build_model(ModelConfig("lenet")), x) == CPU_CONV_EVAL_BATCH
    assert eval_batch(build_model(ModelConfig("mlp")), x) == 2000


def test_any_batch_gives_the_whole_sets_loss_and_accuracy():
    for name in ("fast-cnn", "mlp"):
        model = _trained_a_little(name)
        x, y = _digits(300)  # 300 = 2 x 128 + 44: a short last batch
        model.eval()
        with torch.no_grad():
            out = model(x)
        want_loss = float(F.cross_entropy(out, y))
        want_acc = float((out.argmax(1) == y).double().mean())
        model.train()
        for batch in (None, 1, 7, 128, 300, 2000):
            loss, acc = evaluate(model, x, y, batch)
            # evaluate takes the loss of float32 logits (as under autocast): float32 rounding
            assert abs(loss - want_loss) < 1e-6 * want_loss, (name, batch)
            assert acc == want_acc, (name, batch)
        assert model.training  # evaluate puts the model back in training mode


def test_no_digits_is_no_loss_and_no_accuracy():
    x, y = _digits(0)
    assert evaluate(_trained_a_little("fast-cnn"), x, y) == (0.0, 0.0)


def test_a_folded_copy_is_the_same_function_and_leaves_the_model_alone():
    model = _trained_a_little("fast-cnn")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, _ = _digits(50)
    copy = folded(model)
    assert copy is not model
    kinds = [type(m) for m in copy.modules()]
    assert torch.nn.BatchNorm2d not in kinds and kinds.count(torch.nn.Conv2d) == 2
    model.eval()
    with torch.no_grad():
        want, got = model(x), copy(x)
    model.train()
    assert torch.allclose(got, want, rtol=0, atol=1e-12)  # float64: rounding only
    assert model.training and any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    for k, v in model.state_dict().items():  # running statistics and weights untouched
        assert torch.equal(v, before[k]), k


def test_a_negative_scale_after_max_pooling_is_not_folded_and_the_function_stays():
    model = _trained_a_little("fast-cnn")
    bns = [m for m in model if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        bns[1].weight[0] = -0.5  # max-pooling then picks another value than it would after it
    x, _ = _digits(50)
    copy = folded(model)
    kinds = [type(m) for m in copy.modules()]
    assert kinds.count(torch.nn.BatchNorm2d) == 1  # the first folded, the second kept
    model.eval()
    with torch.no_grad():
        want, got = model(x), copy(x)
    model.train()
    assert torch.allclose(got, want, rtol=0, atol=1e-12)


def test_nothing_to_fold_is_the_model_itself():
    model = _trained_a_little("mlp")
    assert folded(model) is model
    conv_then_relu = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    assert folded(conv_then_relu) is conv_then_relu
    bn_of_other_width = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(3))
    assert folded(bn_of_other_width) is bn_of_other_width  # not a pair: left to fail as it would
