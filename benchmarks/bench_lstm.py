"""LSTM benchmark: keraton ``fit`` on Embedding-LSTM-Dense against the same model as a plain PyTorch loop.

Workload: Embedding(10000, 64) -> LSTM(64) -> Dense(1, sigmoid), sequences of
length 100, batch 64, binary cross-entropy, Adam, random data (6,400 samples
by default); reported as training samples/s.  keraton's LSTM runs torch's
fused LSTM kernel on weights held in torch's layout, so the target is the
plain loop's throughput within 10%.

Runs alternate between keraton and the plain loop; the table shows medians
and keraton's throughput as a share of the plain loop's, measured by the wall
clock and by this process's CPU time (steadier on a shared, loaded machine).
Usage::

    python benchmarks/bench_lstm.py [--rounds 3] [--epochs 1] [--samples 6400]
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

VOCAB, DIM, UNITS, STEPS, BATCH = 10000, 64, 64, 100, 64


def _data(n: int):
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(n, STEPS)).astype("int64")
    y = rng.integers(0, 2, size=(n, 1)).astype("float32")
    return x, y


def lstm_keraton(epochs: int, x, y) -> float:
    """Training samples per second of keraton's fit."""
    keraton.backend.clear_session()
    model = keraton.Sequential([
        keraton.Input((STEPS,), dtype="int64"),
        keraton.layers.Embedding(VOCAB, DIM),
        keraton.layers.LSTM(UNITS),
        keraton.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keraton.optimizers.Adam(), loss="binary_crossentropy")
    model.fit(x[:640], y[:640], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    return _throughput(lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0),
                       epochs * len(x))


def _throughput(fn, samples):
    """Samples per second of ``fn()`` by the wall clock and by the process's CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return samples / (time.perf_counter() - wall), samples / (time.process_time() - cpu)


class _PlainModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, DIM)
        self.lstm = nn.LSTM(DIM, UNITS, batch_first=True)
        self.dense = nn.Linear(UNITS, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        return torch.sigmoid(self.dense(h[-1]))


def lstm_torch(epochs: int, x, y) -> float:
    """Training samples per second of the same model as a hand-written loop."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model = _PlainModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)

    def run(xs, ys, n_epochs):
        plain_epochs(model, opt, F.binary_cross_entropy, xs, ys, n_epochs, BATCH)

    model.train()
    run(xt[:640], yt[:640], 1)
    return _throughput(lambda: run(xt, yt, epochs), epochs * len(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--samples", type=int, default=6400)
    args = parser.parse_args()
    torch.manual_seed(0)
    x, y = _data(args.samples)
    results = {"keraton": [], "torch": []}
    for _ in range(args.rounds):
        results["keraton"].append(lstm_keraton(args.epochs, x, y))
        results["torch"].append(lstm_torch(args.epochs, x, y))
    load = os.getloadavg()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.rounds} rounds (medians), "
          f"{args.samples} samples, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| Embedding(10000,64)-LSTM(64)-Dense(1), seq 100, batch 64, Adam | plain PyTorch loop | "
          "keraton | ratio | target |")
    print("|---|---|---|---|---|")
    for i, clock in enumerate(("wall clock", "process CPU time")):
        plain = statistics.median(r[i] for r in results["torch"])
        ours = statistics.median(r[i] for r in results["keraton"])
        print(f"| samples/s ({clock}) | {plain:,.0f} | {ours:,.0f} | {ours / plain:.1%} of the "
              "throughput | >= 90% |")


if __name__ == "__main__":
    main()
