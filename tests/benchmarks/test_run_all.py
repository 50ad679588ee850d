"""The benchmark suite's table: medians and speed ratios (no timing is asserted, only the arithmetic)."""

import importlib.util
import os

import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "run_all.py")
_spec = importlib.util.spec_from_file_location("run_all", _PATH)
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)


def _rounds(tiny, mlp):
    return [{"tiny": t, "mlp": m, "cnn": m, "lstm": m} for t, m in zip(tiny, mlp)]


@pytest.mark.parametrize("impls", [["keraton", "torch", "keras_torch", "keras_jax"],
                                   ["keraton", "torch", "keras_jax"]])
def test_table_medians_and_ratios(impls):
    results = {
        "keraton": _rounds([2e-4, 3e-4, 9e-4], [60000, 50000, 10]),  # medians 0.3 ms, 50,000
        "torch": _rounds([1e-4, 1.5e-4, 2e-4], [40000, 100000, 80000]),  # 0.15 ms, 80,000
        "keras_torch": _rounds([2e-3, 2e-3, 2e-3], [30000, 30000, 30000]),
        "keras_jax": _rounds([6e-4, 6e-4, 6e-4], [100000, 100000, 100000]),
    }
    results = {k: v for k, v in results.items() if k in impls}
    lines = run_all.table(results, impls).splitlines()
    tiny, mlp = lines[2].split(" | "), lines[3].split(" | ")
    assert tiny[1:3] == ["0.300", "0.150"]
    # Speeds: tiny 0.3 ms vs 0.15 ms is half the plain loop's speed, twice keras_jax's (0.6 ms).
    assert tiny[-2] == "0.50x" and tiny[-1] == "2.00x (keras_jax) |"
    assert mlp[1:3] == ["50,000", "80,000"]
    assert mlp[-2] == "0.62x" and mlp[-1] == "0.50x (keras_jax) |"


def test_missing_keras_gives_dashes():
    results = {"keraton": _rounds([1e-4], [1.0]), "torch": _rounds([1e-4], [2.0])}
    row = run_all.table(results, ["keraton", "torch"]).splitlines()[3]
    assert row.endswith("| 0.50x | - |")
