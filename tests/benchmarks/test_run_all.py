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


def test_near_only_table_drops_far_rounds():
    results = {
        "keraton": _rounds([1e-4, 1e-4, 1e-4], [90000, 40000, 80000]),
        "torch": _rounds([1e-4, 1e-4, 1e-4], [50000, 50000, 50000]),
    }
    for r, ratio in zip(results["keraton"], [0.62, 0.91, None]):  # None: no torch to probe with
        r["cross_core"] = {"mlp": ratio}
    mlp_all = run_all.table(results, ["keraton", "torch"]).splitlines()[3].split(" | ")
    mlp_near = run_all.table(results, ["keraton", "torch"], near_only=True).splitlines()[3].split(" | ")
    assert mlp_all[1] == "80,000"  # median of 90k, 40k, 80k
    assert mlp_near[1] == "85,000"  # the far 40k round is dropped, the unprobed one kept
    assert mlp_near[-2] == "1.70x"
    summary = run_all.far_summary(results, ["keraton", "torch"]).splitlines()
    assert "mlp 0.62 0.91* n/a" in summary[0]
    assert summary[1] == "* torch: tiny n/a n/a n/a; mlp n/a n/a n/a; cnn n/a n/a n/a; lstm n/a n/a n/a"


def test_a_workload_probed_far_in_every_round_shows_a_dash():
    results = {"keraton": _rounds([1e-4], [1.0]), "torch": _rounds([1e-4], [2.0])}
    results["torch"][0]["cross_core"] = {"mlp": 0.9}
    row = run_all.table(results, ["keraton", "torch"], near_only=True).splitlines()[3]
    assert row.split(" | ")[2] == "-" and row.endswith("| - | - |")


def test_run_probed_records_one_reading_per_workload(monkeypatch):
    cores = run_all.cores
    readings = iter([0.6, float("nan")])
    monkeypatch.setattr(cores, "cross_core_ratio", lambda: next(readings))
    out = cores.run_probed({"tiny": lambda: 1e-4, "mlp": lambda: 5.0}, {"version": "x"})
    assert out == {"version": "x", "tiny": 1e-4, "mlp": 5.0,
                   "cross_core": {"tiny": 0.6, "mlp": None}}
    assert cores.is_far(0.9) and not cores.is_far(0.6) and not cores.is_far(float("nan"))


def test_cross_core_probe_restores_the_thread_count():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    ratio = run_all.cores.cross_core_ratio(repeats=5, pairs=1, settle=0)
    assert torch.get_num_threads() == before
    assert (ratio > 0) if before >= 2 else ratio != ratio  # NaN on one thread
