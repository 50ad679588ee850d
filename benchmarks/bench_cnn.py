"""CNN benchmark: keraton ``fit`` against the same small convnet as plain PyTorch loops, in one run.

Model (the Keras MNIST convnet example): Conv2D(32, 3, relu) -> MaxPooling2D(2)
-> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dropout(0.5) ->
Dense(10), on random 28x28x1 images, batch 128, Adam, sparse categorical
cross-entropy on logits.  The plain loops run the same model as an
``nn.Sequential`` on NCHW data, and on NCHW data in ``torch.channels_last``
memory format (the fastest torch CPU layout).  Rounds alternate between the
three; the table shows median and best-round training throughput and their
ratios to the plain NCHW loop (on a shared, noisy machine the best round is
the steadier figure).  Usage::

    python benchmarks/bench_cnn.py [--rounds 5] [--samples 6400] [--epochs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from bench_core import plain_epochs
from torch import nn

import keraton


def _data(n: int):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, size=n).astype("int64")
    return x, y


def cnn_keraton(epochs: int, x, y) -> float:
    """Training samples per second of keraton's fit on the convnet (channels_last data)."""
    if not hasattr(keraton.layers, "MaxPooling2D"):
        raise SystemExit("bench_cnn needs keraton.layers.MaxPooling2D (keraton/layers/pooling/).")
    layers = keraton.layers
    keraton.backend.clear_session()
    model = keraton.Sequential([
        keraton.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10),
    ])
    model.compile(optimizer=keraton.optimizers.Adam(),
                  loss=keraton.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:640], y[:640], batch_size=128, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
    return epochs * len(x) / (time.perf_counter() - start)


def cnn_torch(epochs: int, x, y, channels_last: bool) -> float:
    """Training samples per second of the same convnet as a hand-written NCHW loop."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
    yt = torch.from_numpy(y)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10),
    ).to(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)

    model.train()

    def run(xs, ys, n_epochs):
        plain_epochs(model, opt, F.cross_entropy, xs, ys, n_epochs)

    run(xt[:640], yt[:640], 1)
    start = time.perf_counter()
    run(xt, yt, epochs)
    return epochs * len(x) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=6400)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(0)
    x, y = _data(args.samples)
    results = {"keraton": [], "nchw": [], "channels_last": []}
    for _ in range(args.rounds):
        results["keraton"].append(cnn_keraton(args.epochs, x, y))
        results["nchw"].append(cnn_torch(args.epochs, x, y, channels_last=False))
        results["channels_last"].append(cnn_torch(args.epochs, x, y, channels_last=True))
    med = {k: statistics.median(v) for k, v in results.items()}
    best = {k: max(v) for k, v in results.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.rounds} rounds, "
          f"{args.samples} samples x {args.epochs} epoch(s), load average {load:.2f}")
    print("| convnet, Adam, batch 128 (training samples/s) | median | vs plain NCHW | best round "
          "| vs plain NCHW |")
    print("|---|---|---|---|---|")
    rows = [("plain PyTorch loop, NCHW", "nchw"), ("plain PyTorch loop, channels_last", "channels_last"),
            ("keraton fit (NHWC data; target >= 1.00x)", "keraton")]
    for label, key in rows:
        print(f"| {label} | {med[key]:,.0f} | {med[key] / med['nchw']:.2f}x | {best[key]:,.0f} | "
              f"{best[key] / best['nchw']:.2f}x |")

if __name__ == "__main__":
    main()
