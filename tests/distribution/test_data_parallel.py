"""Data-parallel training on 2 CPU processes (gloo on 127.0.0.1) against one process.

The ranks are started as ``torchrun`` would start them (environment variables,
one ``python`` per rank) running ``dist_worker.py``; the single-process
reference runs the same ``train`` function in this process.
"""

import importlib.util
import os
import pickle
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "dist_worker.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(mode, outdir, world_size=2):
    port = _free_port()
    procs = []
    for rank in range(world_size):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                   LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size), PYTHONPATH=ROOT,
                   OMP_NUM_THREADS="1")
        procs.append(subprocess.Popen([sys.executable, WORKER, mode, str(outdir)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    return procs


def _load_worker():
    spec = importlib.util.spec_from_file_location("dist_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both ranks' results (started first) and the single-process reference (computed meanwhile)."""
    outdir = tmp_path_factory.mktemp("dp")
    procs = _launch("train", outdir)
    single = _load_worker().train(str(outdir), str(outdir / "files_single"))
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0, out
    ranks = []
    for rank in range(2):
        with open(outdir / f"rank{rank}.pkl", "rb") as f:
            ranks.append(pickle.load(f))
    return single, ranks, outdir


@pytest.mark.parametrize("rank", [0, 1])
def test_global_batch_on_two_processes_gives_single_process_weights(runs, rank):
    single, ranks, _ = runs
    for expected, got in zip(single["weights"], ranks[rank]["weights"]):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank", [0, 1])
def test_history_evaluate_predict_equal_single_process(runs, rank):
    single, ranks, _ = runs
    got = ranks[rank]
    assert set(got["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key, values in single["history"].items():
        np.testing.assert_allclose(got["history"][key], values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["evaluate"], single["evaluate"], rtol=1e-5, atol=1e-6)
    assert got["predict"].shape == (110, 3)
    np.testing.assert_allclose(got["predict"], single["predict"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("source", ["loader", "generator"])
@pytest.mark.parametrize("rank", [0, 1])
def test_streamed_sources_give_single_process_weights(runs, source, rank):
    single, ranks, _ = runs
    for expected, got in zip(single[f"{source}_weights"], ranks[rank][f"{source}_weights"]):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    for key, values in single[f"{source}_history"].items():
        np.testing.assert_allclose(ranks[rank][f"{source}_history"][key], values, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank", [0, 1])
def test_backup_and_restore_resumes_every_rank(runs, rank):
    single, ranks, _ = runs
    got = ranks[rank]
    assert len(got["resumed_history"]["loss"]) == 2  # epochs 3 and 4 only
    np.testing.assert_allclose(got["resumed_history"]["loss"], single["resumed_history"]["loss"],
                               rtol=1e-5, atol=1e-6)
    for expected, value in zip(single["resumed_weights"], got["resumed_weights"]):
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


def test_shuffled_training_keeps_ranks_identical_and_early_stopping_agrees(runs):
    _, (r0, r1), _ = runs
    for a, b in zip(r0["shuffled_weights"], r1["shuffled_weights"]):
        np.testing.assert_array_equal(a, b)
    assert r0["shuffled_history"] == r1["shuffled_history"]
    assert 0 < len(r0["shuffled_history"]["loss"]) < 8  # EarlyStopping stopped both ranks


def test_only_rank_zero_writes_files(runs):
    _, _, outdir = runs
    written = sorted(os.listdir(outdir / "files_rank0"))
    assert written == sorted(os.listdir(outdir / "files_single"))
    assert written == ["backup", "ckpt.weights.h5", "log.csv", "model.keras"]
    assert os.listdir(outdir / "files_rank1") == []
    with open(outdir / "files_rank0" / "log.csv") as f:
        assert len(f.read().strip().splitlines()) == 4  # header + 3 epochs


def test_dead_rank_makes_the_other_fail_clearly_and_quickly(tmp_path):
    start = time.monotonic()
    procs = _launch("kill", tmp_path)
    outs = [p.communicate(timeout=90)[0] for p in procs]
    elapsed = time.monotonic() - start
    assert procs[1].returncode == 3
    assert procs[0].returncode != 0
    assert "lost contact with the other processes" in outs[0], outs[0][-2000:]
    assert elapsed < 60


@pytest.mark.parametrize("mode", ["apply", "accumulate", "two_optimizers", "loss_scale"])
@pytest.mark.parametrize("rank", [0, 1])
def test_every_gradient_path_gives_single_process_weights(runs, mode, rank):
    """autograd.grad + apply, accumulated backward + edited p.grad, two optimizers, loss scaling."""
    single, ranks, _ = runs
    for expected, got in zip(single[f"{mode}_weights"], ranks[rank][f"{mode}_weights"]):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_buckets_launch_during_backward(runs):
    _, (r0, r1), _ = runs
    # the built-in train_step (3 epochs of 5 steps): every bucket launched from backward
    assert r0["fit_counters"] == r1["fit_counters"] == (3 * 5 * 3, 0)
    steps = 2 * 5  # 2 epochs of ceil(110 / 25) steps
    launched_backward, launched_step, buckets = r0["apply_counters"]
    assert r1["apply_counters"] == r0["apply_counters"]
    assert buckets == 3
    # autograd.grad fills no p.grad: no hook fires, all is reduced at apply, in 64-byte groups
    # of the given order: [hidden kernel], [hidden bias], [out kernel], [out bias]
    assert (launched_backward, launched_step) == (0, steps * 4)
    # two backward calls per step launch every bucket twice; the buckets holding the edited
    # first-layer gradients (in-place mul_ after backward) are reduced again at the step
    launched_backward, launched_step, buckets = r0["accumulate_counters"]
    assert launched_backward == 2 * steps * buckets
    assert launched_step == steps * 2  # the 2 first-layer buckets; the output bucket is reused
    # GAN shape: each backward launches all buckets and each optimizer reuses them
    launched_backward, launched_step, buckets = r0["two_optimizers_counters"]
    assert (launched_backward, launched_step) == (2 * steps * buckets, 0)
    # LossScaleOptimizer averages before its finiteness check; its inner optimizer does not again
    launched_backward, launched_step, buckets = r0["loss_scale_counters"]
    assert (launched_backward, launched_step) == (steps * buckets, 0)


@pytest.mark.parametrize("rank", [0, 1])
def test_max_metric_state_is_the_global_maximum(runs, rank):
    single, ranks, _ = runs
    for key in ("loss", "running_max"):
        np.testing.assert_allclose(ranks[rank]["max_history"][key], single["max_history"][key],
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ranks[rank]["max_evaluate"][key], single["max_evaluate"][key],
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank", [0, 1])
def test_metric_states_reduce_by_their_aggregation(runs, rank):
    _, ranks, _ = runs
    assert ranks[rank]["reduced_states"] == {
        "sum": [1.0, 1.0], "mean": [0.5, 0.5], "max": [1.0, 0.0], "min": [0.0, 0.0],
        "only_first_replica": [0.0, 0.0], "none": [float(rank)] * 2}
