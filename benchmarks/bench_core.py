"""Core benchmark: keraton ``fit`` against the same work as a plain PyTorch loop, in one run.

Workloads (issue "keraton core"):

* tiny: the seed problem (Dense(1) on 4 samples, SGD lr=0.1, MSE), 300 epochs
  of one step each; reported as time per step.
* mlp: MLP 784-256-256-10, Adam, batch 128, 20,000 samples, sparse
  categorical cross-entropy on logits; reported as training samples/s.

Runs alternate between keraton and the plain loop, several rounds, and the
table shows medians and the ratio keraton/plain (time) or plain/keraton
(throughput).  Usage::

    python benchmarks/bench_core.py [--rounds 5] [--mlp-epochs 2] [--policy mixed_bfloat16]

``--policy`` sets keraton's global dtype policy (mixed precision) for the
keraton runs; the plain loop stays float32, so the ratio is the speed-up (or
cost) of the policy against a float32 torch loop.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import keraton


def tiny_keraton(epochs: int) -> float:
    """Seconds per step of the seed program's fit."""
    keraton.backend.clear_session()
    model = keraton.Sequential([keraton.layers.Dense(units=1, input_dim=1)])
    model.compile(loss="mse", optimizer=keraton.optimizers.SGD(lr=0.1))
    x = [1, 2, 3, 4]
    model.fit(x, x, epochs=2, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, x, epochs=epochs, verbose=0)
    return (time.perf_counter() - start) / epochs


def tiny_torch(epochs: int) -> float:
    """Seconds per step of the same problem as a hand-written loop (loss read once per epoch)."""
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = []

    def run(n):
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(x), x)
            loss.backward()
            opt.step()
            history.append(loss.item())

    run(2)
    start = time.perf_counter()
    run(epochs)
    return (time.perf_counter() - start) / epochs


def _mlp_data(n: int = 20000):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 784)).astype("float32")
    y = rng.integers(0, 10, size=n).astype("int64")
    return x, y


def mlp_keraton(epochs: int, x, y) -> float:
    """Training samples per second of keraton's fit on the MLP."""
    keraton.backend.clear_session()
    model = keraton.Sequential([
        keraton.Input((784,)),
        keraton.layers.Dense(256, activation="relu"),
        keraton.layers.Dense(256, activation="relu"),
        keraton.layers.Dense(10),
    ])
    model.compile(optimizer=keraton.optimizers.Adam(),
                  loss=keraton.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:1280], y[:1280], batch_size=128, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
    return epochs * len(x) / (time.perf_counter() - start)


def plain_epochs(model, opt, loss_fn, xs, ys, n_epochs: int, batch: int = 128) -> None:
    """The hand-written loop every plain-PyTorch benchmark runs.

    Each epoch: a fresh permutation, minibatch steps (zero_grad, forward, loss,
    backward, step), the loss summed on the device and read once at the end,
    as ``fit`` reads it for ``History``.
    """
    n = len(xs)
    for _ in range(n_epochs):
        perm = torch.randperm(n)
        total = torch.zeros(())
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
            total += loss.detach() * len(idx)
        float(total / n)


def mlp_torch(epochs: int, x, y) -> float:
    """Training samples per second of the same MLP as a hand-written loop."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)

    def run(xs, ys, n_epochs):
        plain_epochs(model, opt, F.cross_entropy, xs, ys, n_epochs)

    run(xt[:1280], yt[:1280], 1)
    start = time.perf_counter()
    run(xt, yt, epochs)
    return epochs * len(x) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tiny-epochs", type=int, default=300)
    parser.add_argument("--mlp-epochs", type=int, default=2)
    parser.add_argument("--policy", default="float32",
                        help="keraton dtype policy: float32, mixed_bfloat16 or mixed_float16")
    args = parser.parse_args()
    keraton.mixed_precision.set_global_policy(args.policy)
    torch.manual_seed(0)
    x, y = _mlp_data()
    results = {"tiny_keraton": [], "tiny_torch": [], "mlp_keraton": [], "mlp_torch": []}
    for _ in range(args.rounds):
        results["tiny_keraton"].append(tiny_keraton(args.tiny_epochs))
        results["tiny_torch"].append(tiny_torch(args.tiny_epochs))
        results["mlp_keraton"].append(mlp_keraton(args.mlp_epochs, x, y))
        results["mlp_torch"].append(mlp_torch(args.mlp_epochs, x, y))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.rounds} rounds (medians), "
          f"keraton policy {args.policy}")
    print("| workload | plain PyTorch loop | keraton | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| tiny: seed Dense(1), 300 epochs (time per step) | {med['tiny_torch'] * 1e3:.3f} ms | "
          f"{med['tiny_keraton'] * 1e3:.3f} ms | {med['tiny_keraton'] / med['tiny_torch']:.2f}x the time "
          "| <= 3x |")
    print(f"| MLP 784-256-256-10, Adam, batch 128 (samples/s) | {med['mlp_torch']:,.0f} | "
          f"{med['mlp_keraton']:,.0f} | {med['mlp_keraton'] / med['mlp_torch']:.1%} of the throughput "
          "| >= 90% |")


if __name__ == "__main__":
    main()
