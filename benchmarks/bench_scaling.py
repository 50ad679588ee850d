"""Scaling benchmark: the MLP workload on 1 and 2 processes (torch.distributed, gloo, CPU).

MLP 784-256-256-10, Adam, sparse categorical cross-entropy on logits, 20,480
samples, GLOBAL batch 256 (128 per process on 2 processes).  Each process
uses one thread, so 2 processes use the machine's 2 cores and 1 process one
core: the efficiency is ``samples/s(2) / (2 * samples/s(1))``.  Both keraton
(``DataParallel``) and a plain PyTorch ``DistributedDataParallel`` loop on the
same data run in the same session, launched as torchrun launches them (one
``python`` per rank, ``RANK``/``WORLD_SIZE``/``MASTER_*`` set); keraton also
runs with ``overlap_backward=False`` (all-reduce after ``backward``).  Usage::

    python benchmarks/bench_scaling.py [--rounds 3] [--epochs 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

N, BATCH = 20480, 256
IMPLS = {"keraton": "keraton DataParallel, overlap_backward=True",
         "keraton-no-overlap": "keraton DataParallel, overlap_backward=False (gloo's default)",
         "torch": "plain PyTorch DDP loop"}


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, 784)).astype("float32"), rng.integers(0, 10, size=N).astype("int64")


def run_keraton(epochs: int, overlap: bool = True) -> float:
    """Seconds of ``epochs`` timed epochs of keraton ``fit`` (after one warm-up epoch).

    ``overlap=False``: all-reduce every bucket after ``backward`` (``DataParallel(overlap_backward=False)``).
    """
    import keraton

    if "WORLD_SIZE" in os.environ:
        keraton.distribution.set_distribution(keraton.distribution.DataParallel(overlap_backward=overlap))
    x, y = _data()
    model = keraton.Sequential([keraton.Input((784,)), keraton.layers.Dense(256, activation="relu"),
                                keraton.layers.Dense(256, activation="relu"), keraton.layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=keraton.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    return time.perf_counter() - start


def run_torch(epochs: int) -> float:
    """The same work as a plain PyTorch loop, wrapped in ``DistributedDataParallel`` when distributed."""
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch import nn

    world = int(os.environ.get("WORLD_SIZE", 1))
    rank = int(os.environ.get("RANK", 0))
    if world > 1:
        dist.init_process_group("gloo")
    x, y = (torch.from_numpy(a) for a in _data())
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), foreach=True)
    local = BATCH // world

    def epoch():
        perm = torch.randperm(N, generator=torch.Generator().manual_seed(0))
        for start in range(0, N, BATCH):
            index = perm[start + rank * local:start + (rank + 1) * local]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[index]), y[index]).backward()
            opt.step()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(impl: str, world: int, epochs: int) -> float:
    """Samples/s of ``impl`` on ``world`` processes (rank 0's time)."""
    port = _free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ, OMP_NUM_THREADS="1")
        if world > 1:
            env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                       LOCAL_RANK=str(rank), WORLD_SIZE=str(world))
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", impl, "--epochs", str(epochs)],
                                      env=env, stdout=subprocess.PIPE, text=True))
    outs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise RuntimeError(f"{impl} on {world} processes failed: {outs}")
    return N * epochs / float(outs[0].strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--worker", choices=list(IMPLS))
    args = parser.parse_args()
    if args.worker:
        torch.set_num_threads(1)
        seconds = {"keraton": run_keraton, "torch": run_torch,
                   "keraton-no-overlap": lambda e: run_keraton(e, overlap=False)}[args.worker](args.epochs)
        if int(os.environ.get("RANK", 0)) == 0:
            print(seconds)
        return
    results = {(impl, world): [] for impl in IMPLS for world in ((1, 2) if impl != "keraton-no-overlap" else (2,))}
    for _ in range(args.rounds):
        for key in results:
            results[key].append(launch(*key, args.epochs))
    print("| implementation | 1 process (samples/s) | 2 processes (samples/s) | speed-up | efficiency |")
    print("|---|---|---|---|---|")
    for impl, label in IMPLS.items():
        one = statistics.median(results[("keraton" if impl == "keraton-no-overlap" else impl, 1)])
        two = statistics.median(results[(impl, 2)])
        print(f"| {label} | {one:,.0f} | {two:,.0f} | {two / one:.2f}x | {two / (2 * one):.0%} |")


if __name__ == "__main__":
    main()
