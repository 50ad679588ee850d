"""Memory benchmark: peak RSS of ``fit`` on the MLP row against the plain loop, and streaming ``predict``.

Each measurement runs in a fresh subprocess:

* ``fit_keraton`` / ``fit_torch``: the MLP 784-256-256-10 row of ``bench_core.py``
  (Adam, batch 128, 20,480 samples, 2 epochs).  Reported: the process's peak
  RSS (``resource.getrusage``); target: keraton at most 110% of the plain loop.
* ``predict``: ``model.predict`` on 1,000,000 rows of MLP input (float32,
  784 features, 3.1 GB) with ``batch_size=1024``.  The input is a memory-mapped
  ``.npy`` file (``np.load(mmap_mode="r")``), so its pages are file cache, not
  the process's own memory, and this 23 GB shared machine never holds it
  twice.  Reported: the peak anonymous RSS (``RssAnon`` in
  ``/proc/self/status``, sampled every 2 ms) above the level before the call,
  against the size of the output (40 MB) and of one batch (3.2 MB).

Usage::

    python benchmarks/bench_memory.py [--rows 1000000] [--path /tmp/keraton_predict_input.npy]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MB = 1 << 20


def _rss_anon() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakSampler:
    """Samples ``RssAnon`` in a thread and keeps the peak (the kernel keeps no peak of it)."""

    def __init__(self, interval: float = 0.002):
        self.interval, self.peak, self._stop = interval, _rss_anon(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_anon())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_anon())


def _fit(mode: str) -> dict:
    sys.path.insert(0, HERE)
    import bench_core
    x, y = bench_core._mlp_data(20480)
    if mode == "fit_keraton":
        bench_core.mlp_keraton(2, x, y)
    else:
        bench_core.mlp_torch(2, x, y)
    return {"peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _write_input(path: str, rows: int) -> None:
    if os.path.exists(path) and np.load(path, mmap_mode="r").shape == (rows, 784):
        return
    out = np.lib.format.open_memmap(path + ".tmp", mode="w+", dtype="float32", shape=(rows, 784))
    rng = np.random.default_rng(0)
    for start in range(0, rows, 50_000):
        stop = min(rows, start + 50_000)
        out[start:stop] = rng.standard_normal((stop - start, 784), dtype="float32")
    out.flush()
    del out
    os.replace(path + ".tmp", path)


def _predict(path: str) -> dict:
    import keraton
    x = np.load(path, mmap_mode="r")
    model = keraton.Sequential([keraton.Input((784,)), keraton.layers.Dense(256, activation="relu"),
                                keraton.layers.Dense(256, activation="relu"), keraton.layers.Dense(10)])
    model.predict(x[:2048], batch_size=1024, verbose=0)  # warm-up: allocator pools, lazy imports
    before = _rss_anon()
    start = time.perf_counter()
    with PeakSampler() as sampler:
        out = model.predict(x, batch_size=1024, verbose=0)
    return {"seconds": time.perf_counter() - start, "anon_before": before, "anon_peak": sampler.peak,
            "output_bytes": out.nbytes, "batch_bytes": 1024 * 784 * 4, "rows": len(out)}


def _worker(args) -> None:
    result = _predict(args.path) if args.worker == "predict" else _fit(args.worker)
    print(json.dumps(result))


def _spawn(*extra) -> dict:
    proc = subprocess.run([sys.executable, __file__, *extra], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--path", default="/tmp/keraton_predict_input.npy")
    parser.add_argument("--worker", choices=("fit_keraton", "fit_torch", "predict"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    fit = {m: _spawn("--worker", m)["peak_rss"] for m in ("fit_torch", "fit_keraton")}
    print("| MLP fit, 20,480 samples x 2 epochs | peak RSS |")
    print("|---|---|")
    print(f"| plain PyTorch loop | {fit['fit_torch'] / MB:,.0f} MB |")
    print(f"| keraton fit | {fit['fit_keraton'] / MB:,.0f} MB ({fit['fit_keraton'] / fit['fit_torch']:.0%} "
          "of the plain loop; target <= 110%) |")
    _write_input(args.path, args.rows)
    p = _spawn("--worker", "predict", "--path", args.path)
    grew = p["anon_peak"] - p["anon_before"]
    print(f"\npredict on {p['rows']:,} rows x 784 float32 (memory-mapped input, batch 1024): "
          f"{p['seconds']:.1f} s; anonymous RSS grew by {grew / MB:,.1f} MB at peak; output "
          f"{p['output_bytes'] / MB:,.1f} MB, one input batch {p['batch_bytes'] / MB:.1f} MB "
          f"(growth = output + {(grew - p['output_bytes']) / p['batch_bytes']:.1f} batches)")


if __name__ == "__main__":
    main()
