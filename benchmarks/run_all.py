"""The benchmark suite: four workloads on keraton, a plain PyTorch loop and every installed Keras.

Workloads (issue 6): tiny (the seed Dense(1) problem, one step per epoch; time
per step), MLP 784-256-256-10 Adam batch 128, CNN Conv32-Pool-Conv64-Pool-
Dense10 on 28x28x1 batch 128, Embedding-LSTM(64)-Dense seq 100 batch 64
(training samples/s).  Implementations:

* ``keraton`` and ``torch`` (the plain loop): the functions of ``bench_core.py``,
  ``bench_cnn.py`` (NCHW loop) and ``bench_lstm.py``;
* ``keras_torch`` / ``keras_jax``: Keras 3 with that backend, when Keras and the
  backend are importable (``bench_keras.py``);
* ``tf_keras``: tf.keras 2 from ``--tf-python`` (default ``/tmp/tfenv/bin/python``)
  when that interpreter exists;
* opt-in keraton variants (``--variants jit,bf16``): ``keraton_jit`` compiles
  every model with ``jit_compile=True`` (torch.compile, inductor; the
  compilation happens in the untimed warm-up ``fit``) and ``keraton_bf16``
  sets the ``mixed_bfloat16`` policy.  They are columns beside ``keraton``
  and do not enter the ratio columns.

Every implementation runs in its own subprocess (a Keras backend is fixed at
import), one process per implementation per round, and the rounds alternate
the implementations, so a load change on the shared machine hits all of them.
Sample counts are whole numbers of batches, so no implementation meets a new
batch shape (a JAX/XLA recompile) inside the timed epoch.  Prints a markdown
table of medians and ratios to the plain loop and to the best Keras, the
cross-core probe reading taken after each timed workload (``cores.py``: on the
project's 2-core VMs the host sometimes runs the two vCPUs far apart, which
halves multi-threaded torch), and the medians again over the near rounds only.
Usage::

    python benchmarks/run_all.py [--rounds 3] [--only keraton,torch] [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cores  # noqa: E402  (a sibling script, not a package)

WORKLOADS = ("tiny", "mlp", "cnn", "lstm")
KERAS_IMPLS = ("keras_torch", "keras_jax", "tf_keras")
LABELS = {
    "tiny": "tiny: Dense(1) on 4 samples, 1 step/epoch (ms per step, lower is better)",
    "mlp": "MLP 784-256-256-10, Adam, batch 128 (samples/s)",
    "cnn": "CNN Conv32-Pool-Conv64-Pool-Dropout-Dense10, 28x28x1, batch 128 (samples/s)",
    "lstm": "Embedding(10000,64)-LSTM(64)-Dense(1), seq 100, batch 64 (samples/s)",
}


def run_local(args) -> dict:
    """Worker for ``keraton`` or ``torch``: run the four workloads in this process, return the numbers."""
    import bench_cnn
    import bench_core
    import bench_lstm
    import torch
    torch.manual_seed(0)
    ours = args.worker == "keraton"
    if ours and args.variant:
        _apply_variant(args.variant)
    x, y = bench_core._mlp_data(args.mlp_samples)
    xc, yc = bench_cnn._data(args.cnn_samples)
    xl, yl = bench_lstm._data(args.lstm_samples)
    if ours:
        runs = {"tiny": lambda: bench_core.tiny_keraton(args.tiny_epochs),
                "mlp": lambda: bench_core.mlp_keraton(1, x, y),
                "cnn": lambda: bench_cnn.cnn_keraton(1, xc, yc),
                "lstm": lambda: bench_lstm.lstm_keraton(1, xl, yl)[0]}
    else:
        runs = {"tiny": lambda: bench_core.tiny_torch(args.tiny_epochs),
                "mlp": lambda: bench_core.mlp_torch(1, x, y),
                "cnn": lambda: bench_cnn.cnn_torch(1, xc, yc, channels_last=False),
                "lstm": lambda: bench_lstm.lstm_torch(1, xl, yl)[0]}
    return cores.run_probed(runs, {"version": torch.__version__})


def _apply_variant(variant: str) -> None:
    """Turn this keraton worker into ``keraton_jit`` or ``keraton_bf16``."""
    import keraton
    if variant == "bf16":
        keraton.mixed_precision.set_global_policy("mixed_bfloat16")
        return
    compile_ = keraton.Model.compile

    def compile_jit(self, *a, **k):
        k.setdefault("jit_compile", True)
        return compile_(self, *a, **k)

    keraton.Model.compile = compile_jit


def available(args) -> list[str]:
    """The implementations that can run here, in the order they alternate."""
    impls = ["keraton", *(f"keraton_{v}" for v in args.variants.split(",") if v), "torch"]
    if importlib.util.find_spec("keras") is not None:
        impls.append("keras_torch")
        if importlib.util.find_spec("jax") is not None:
            impls.append("keras_jax")
    if os.path.exists(args.tf_python):
        impls.append("tf_keras")
    if args.only:
        impls = [i for i in impls if i in args.only.split(",")]
    return impls


def command(impl: str, args) -> tuple[list[str], dict]:
    sizes = [f"--mlp-samples={args.mlp_samples}", f"--cnn-samples={args.cnn_samples}",
             f"--lstm-samples={args.lstm_samples}"]
    env = dict(os.environ)
    if impl in ("keraton", "torch") or impl.startswith("keraton_"):
        worker, _, variant = impl.partition("_")
        return [sys.executable, __file__, "--worker", worker, f"--variant={variant}",
                f"--tiny-epochs={args.tiny_epochs}", *sizes], env
    keras_args = [f"--tiny-epochs={args.keras_tiny_epochs}", *sizes]
    if impl == "tf_keras":
        return [args.tf_python, os.path.join(HERE, "bench_keras.py"), "--impl", "tf_keras", *keras_args], env
    env["KERAS_BACKEND"] = impl.split("_")[1]
    return [sys.executable, os.path.join(HERE, "bench_keras.py"), "--impl", "keras3", *keras_args], env


def run_one(impl: str, args) -> dict | None:
    cmd, env = command(impl, args)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"[{impl}] failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(workload: str, value: float) -> str:
    return f"{value * 1e3:.3f}" if workload == "tiny" else f"{value:,.0f}"


def _medians(results: dict, near_only: bool) -> dict:
    """impl -> workload -> median over the rounds (only the near-cores rounds if ``near_only``)."""
    med = {}
    for impl, rounds in results.items():
        for w in WORKLOADS:
            values = [r[w] for r in rounds if w in r
                      and not (near_only and cores.is_far(_probe(r, w)))]
            if values:
                med.setdefault(impl, {})[w] = statistics.median(values)
    return med


def _probe(round_: dict, workload: str) -> float:
    ratio = round_.get("cross_core", {}).get(workload)
    return math.nan if ratio is None else ratio


def table(results: dict, impls: list[str], near_only: bool = False) -> str:
    """Markdown table of medians; ratios are keraton's speed over the plain loop's and the best Keras's."""
    med = _medians(results, near_only)
    shown = [i for i in impls if i in med]
    lines = ["| workload | " + " | ".join(shown) + " | keraton vs plain | keraton vs best Keras |",
             "|---|" + "---|" * (len(shown) + 2)]
    for w in WORKLOADS:
        have = [i for i in shown if w in med[i]]
        cells = [_fmt(w, med[i][w]) if i in have else "-" for i in shown]
        # Speed ratio (> 1 is keraton faster): time ratio inverted for the tiny row.
        speed = {i: (1 / med[i][w] if w == "tiny" else med[i][w]) for i in have}
        vs_plain = f"{speed['keraton'] / speed['torch']:.2f}x" if {"keraton", "torch"} <= speed.keys() else "-"
        keras = [i for i in have if i in KERAS_IMPLS]
        best = max(keras, key=lambda i: speed[i]) if keras else None
        vs_best = f"{speed['keraton'] / speed[best]:.2f}x ({best})" if best and "keraton" in speed else "-"
        lines.append(f"| {LABELS[w]} | " + " | ".join(cells) + f" | {vs_plain} | {vs_best} |")
    return "\n".join(lines)


def far_summary(results: dict, impls: list[str]) -> str:
    """One line per implementation: the cross-core probe readings of each workload, far ones starred."""
    lines = []
    for impl in impls:
        cells = []
        for w in WORKLOADS:
            readings = [_probe(r, w) for r in results.get(impl, [])]
            shown = ["n/a" if math.isnan(x) else f"{x:.2f}" + ("*" if cores.is_far(x) else "")
                     for x in readings]
            cells.append(f"{w} " + " ".join(shown))
        lines.append(f"* {impl}: " + "; ".join(cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated implementations to run")
    parser.add_argument("--tf-python", default="/tmp/tfenv/bin/python")
    parser.add_argument("--tiny-epochs", type=int, default=300)
    parser.add_argument("--keras-tiny-epochs", type=int, default=100)
    parser.add_argument("--mlp-samples", type=int, default=20480)
    parser.add_argument("--cnn-samples", type=int, default=3200)
    parser.add_argument("--lstm-samples", type=int, default=3200)
    parser.add_argument("--json", default="", help="also write the raw per-round numbers here")
    parser.add_argument("--variants", default="",
                        help="extra keraton columns: jit (jit_compile=True), bf16 (mixed_bfloat16)")
    parser.add_argument("--worker", choices=("keraton", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="", choices=("", "jit", "bf16"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_local(args)))
        return
    impls = available(args)
    results = {i: [] for i in impls}
    versions = {}
    start = time.time()
    for r in range(args.rounds):
        for impl in impls:
            out = run_one(impl, args)
            if out is not None:
                versions[impl] = out.pop("version")
                results[impl].append(out)
        print(f"round {r + 1}/{args.rounds} done, {time.time() - start:.0f} s, "
              f"load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    load = os.getloadavg()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {args.rounds} rounds "
          f"(medians), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; versions {versions}")
    print(table(results, impls))
    print(f"\nCross-core probe after each timed workload (benchmarks/cores.py; * = cores far apart, "
          f"ratio > {cores.FAR_RATIO}; n/a = no torch in that interpreter):")
    print(far_summary(results, impls))
    print("\nMedians over the rounds whose probe said near (n/a readings kept):")
    print(table(results, impls, near_only=True))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"versions": versions, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
