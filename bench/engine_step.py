"""Microseconds per training step of tiny nets (NumPy engine, trace on and off, beside torch), a
small CNN's step (the same, plus the cost of reading one event anywhere in its trace), and the
MNIST MLP 784-256-128-10 epoch time (NumPy engine beside torch), measured in one run.

    python bench/engine_step.py [--mnist DIR] [--repeats N]

Goals (issue 2): a tiny-net step with its full trace well under 1 ms and faster than torch; the
MNIST MLP epoch within 2x of torch on the CPU. Each figure is the median of several repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parents[1]))
from engine.numpy_engine import Dataset, Network, parse_network  # noqa: E402
from engine.numpy_engine.spec import classifier_mlp, load_network_file  # noqa: E402
from engine.numpy_engine.trace import make_event  # noqa: E402


def tiny_spec(sizes, batch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, sizes[0]))
    y = (rng.random((batch, sizes[-1])) > 0.5).astype(float)
    layers = [{"units": sizes[0]}] + [{"units": u, "activation": "tanh"} for u in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": "sigmoid"})
    return parse_network(
        {
            "layers": layers,
            "loss": "mse",
            "optimizer": {"name": "sgd", "lr": 0.1},
            "data": {"inputs": x.tolist(), "targets": y.tolist()},
        }
    )


def per_step_us(fn, steps: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(steps):
            fn()
        times.append((time.perf_counter() - t) / steps * 1e6)
    return statistics.median(times)


def torch_tiny(sizes, batch):
    torch.manual_seed(0)
    mods = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        mods += [
            torch.nn.Linear(a, b),
            torch.nn.Sigmoid() if i == len(sizes) - 2 else torch.nn.Tanh(),
        ]
    model = torch.nn.Sequential(*mods).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(batch, sizes[0], dtype=torch.float64), torch.rand(batch, sizes[-1]).double()

    def step():
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()

    return step


def bench_tiny(repeats: int) -> None:
    print("tiny nets, one full-batch training step (median of repeats):")
    print("  trace on = the step with its trace (each event built lazily, on its own, when read);")
    print("  rendered = the step plus writing every event's strings (stepping through all of it)")
    print(
        f"{'net':>10} {'batch':>5} {'trace on':>10} {'rendered':>10} {'trace off':>10} "
        f"{'torch':>10} {'events':>7} {'torch / trace on':>17}"
    )
    for sizes in ([2, 3, 1], [2, 4, 4, 1]):
        for batch in (1, 4):
            net = Network(tiny_spec(sizes, batch))
            holder = {"s": net.initial_state()}

            def traced(net=net, holder=holder):
                holder["s"] = net.step(holder["s"], trace=True).after

            def plain(net=net, holder=holder):
                holder["s"] = net.step(holder["s"], trace=False).after

            def rendered(net=net, holder=holder):
                r = net.step(holder["s"], trace=True)
                list(r.events)
                holder["s"] = r.after

            on = per_step_us(traced, 1000, repeats)
            ren = per_step_us(rendered, 200, repeats)
            off = per_step_us(plain, 1000, repeats)
            tt = per_step_us(torch_tiny(sizes, batch), 1000, repeats)
            n_ev = len(net.step(net.initial_state()).events)
            name = "-".join(map(str, sizes))
            print(
                f"{name:>10} {batch:>5} {on:>8.0f}us {ren:>8.0f}us {off:>8.0f}us {tt:>8.0f}us "
                f"{n_ev:>7} "
                f"{tt / on:>16.2f}x"
            )


def bench_conv(repeats: int) -> None:
    """The tiny-digits CNN (conv 3×3×3 relu, maxpool 2, flatten, softmax) on its 16 digits."""
    from tests.engine.test_conv_vs_torch import torch_step  # the same maths as the torch tests

    root = Path(__file__).parents[1]
    spec = load_network_file(root / "assets" / "presets" / "cnn_tiny_digits.json")
    spec = replace(spec, training=replace(spec.training, batch_size=None, shuffle=False))
    net = Network(spec)
    st = net.initial_state()
    on = per_step_us(lambda: list(net.step(st).events), 1, repeats)  # every event built
    lazy = per_step_us(lambda: net.step(st), 5, repeats)
    off = per_step_us(lambda: net.step(st, trace=False), 20, repeats)
    tt = per_step_us(lambda: torch_step(net, st), 20, repeats)
    r = net.step(st)
    ev = r.events
    n = len(ev)
    print(f"\nCNN 1×14×14 → conv 3@3×3 → maxpool 2 → flatten → 2, batch 16, float64: {n:,} events")
    print(f"  step, every event built: {on / 1e3:8.1f} ms")
    print(f"  step, lazy trace:        {lazy / 1e3:8.2f} ms")
    print(f"  step, untraced:          {off / 1e3:8.2f} ms")
    print(f"  torch step (float64):    {tt / 1e3:8.2f} ms")
    lay, arrays = ev.layout, ev._arrays
    for frac in (0.0, 0.25, 0.5, 0.75, 0.999):
        i = int(frac * (n - 1))
        reps = 200
        t = time.perf_counter()
        for _ in range(reps):
            e = make_event(
                lay, arrays, i
            )  # a fresh build each time (the trace caches what was read)
        us = (time.perf_counter() - t) / reps * 1e6
        print(f"  read event {i:>6,} ({e.phase:>8} {e.kind:<7}): {us:7.1f} us (goal: under 1 ms)")


def bench_mnist(folder: str | None, epochs: int) -> None:
    from engine.torch_engine.mnist import load_mnist, normalise

    root = Path(__file__).parents[1]
    folder = folder or str(root.parent / "shared" / "data" / "mnist")
    try:
        d = load_mnist(folder)
    except Exception as e:  # noqa: BLE001 - a benchmark reports and moves on
        print(f"MNIST MLP: skipped ({e})")
        return
    x = normalise(d.train_x).reshape(-1, 784).numpy()  # (60000, 784) float32
    y = np.eye(10, dtype=np.float32)[d.train_y]
    xt = normalise(d.test_x).reshape(-1, 784).numpy()  # (10000, 784)
    yt = np.eye(10, dtype=np.float32)[d.test_y]
    spec = classifier_mlp(batch_size=128)
    net = Network(spec, Dataset("mnist", x, y, "classification"), dtype=np.float32)
    steps = -(-len(x) // 128)
    st = net.initial_state()
    np_times = []
    for _ in range(epochs):
        t = time.perf_counter()
        st, _ = net.train(st, steps)
        np_times.append(time.perf_counter() - t)
    np_acc = net.accuracy(st, xt, yt)

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    tx, ty = torch.from_numpy(x), torch.from_numpy(d.train_y.astype(np.int64))
    g = torch.Generator().manual_seed(0)
    t_times = []
    for _ in range(epochs):
        t = time.perf_counter()
        perm = torch.randperm(len(tx), generator=g)
        for i in range(steps):
            idx = perm[i * 128 : (i + 1) * 128]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(tx[idx]), ty[idx]).backward()
            opt.step()
        t_times.append(time.perf_counter() - t)
    with torch.no_grad():
        t_acc = float((model(torch.from_numpy(xt)).argmax(1).numpy() == d.test_y).mean())
    a, b = statistics.median(np_times), statistics.median(t_times)
    print(
        f"\nMNIST MLP 784-256-128-10, Adam, batch 128, {epochs} epoch(s), float32, "
        f"{torch.get_num_threads()} threads:"
    )
    print(f"  NumPy engine: {a:6.2f} s/epoch, test accuracy {100 * np_acc:.2f}%")
    print(f"  torch:        {b:6.2f} s/epoch, test accuracy {100 * t_acc:.2f}%")
    print(f"  NumPy / torch epoch time: {a / b:.2f}x (goal: at most 2x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--mnist", default=None, help="folder with MNIST (default ../shared/data/mnist)"
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--skip-mnist", action="store_true")
    a = ap.parse_args()
    bench_tiny(a.repeats)
    bench_conv(a.repeats)
    if not a.skip_mnist:
        bench_mnist(a.mnist, a.epochs)


if __name__ == "__main__":
    main()
