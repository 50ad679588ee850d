"""keraton.distribution's API in one process: Keras 3's names, errors, and no-op behaviour."""

import numpy as np
import pytest

import keraton
from keraton import distribution
from keraton.trainers import distributed
from keraton.trainers.data_adapters import ArrayDataAdapter

TORCHRUN_VARS = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK")


@pytest.fixture(autouse=True)
def _no_distribution(monkeypatch):
    for var in TORCHRUN_VARS:
        monkeypatch.delenv(var, raising=False)
    yield
    distribution.set_distribution(None)


def test_list_devices_on_cpu():
    assert distribution.list_devices("cpu") == ["cpu:0"]
    with pytest.raises(ValueError, match="device_type must be 'cpu', 'gpu' or None, got 'tpu'"):
        distribution.list_devices("tpu")


def test_single_process_is_primary_rank_zero_of_one():
    assert (distribution.is_primary(), distribution.process_index(), distribution.num_processes(),
            distribution.is_distributed()) == (True, 0, 1, False)


@pytest.mark.parametrize("kwargs, error, match", [
    ({}, ValueError, r"no process group to join, \['MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE'\]"),
    ({"job_addresses": "nohost"}, ValueError, "job_addresses must be 'host:port', got 'nohost'"),
])
def test_initialize_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        distribution.initialize(**kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"bucket_cap_mb": 0}, ValueError, "bucket_cap_mb must be positive, got 0"),
    ({"mesh": 1}, TypeError, r"unexpected keyword argument\(s\) \['mesh'\]"),
])
def test_data_parallel_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        distribution.DataParallel(**kwargs)


def test_set_distribution_and_scope():
    dp, other = distribution.DataParallel(bucket_cap_mb=4), distribution.DataParallel()
    distribution.set_distribution(dp)
    assert distribution.distribution() is dp and dp.bucket_cap_mb == 4.0
    with other.scope():
        assert distribution.distribution() is other
    assert distribution.distribution() is dp
    with pytest.raises(TypeError, match="expects a DataParallel or None, got str"):
        distribution.set_distribution("mirrored")


def test_mirrored_strategy_scope_sets_data_parallel_after_the_block():
    strategy = distribution.MirroredStrategy()
    with strategy.scope() as s:
        assert s is strategy
    assert isinstance(distribution.distribution(), distribution.DataParallel)
    assert strategy.num_replicas_in_sync == 1


def test_without_a_process_group_hooks_are_no_ops():
    import torch

    adapter = ArrayDataAdapter(torch.ones(4, 2), batch_size=2)
    assert distributed.shard_adapter(adapter, None) is adapter
    assert distributed.gather_predictions([[np.ones(2)]])[0][0].tolist() == [1.0, 1.0]
    assert distributed.global_logs(None, {"loss": 2.5}) == {"loss": 2.5}


@pytest.mark.parametrize("set_it", [False, True])
def test_data_parallel_in_one_process_trains_as_usual(set_it):
    import torch

    if set_it:
        distribution.set_distribution(distribution.DataParallel())
    keraton.backend.clear_session()
    torch.manual_seed(0)
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile(optimizer=keraton.optimizers.SGD(0.1), loss="mse")
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    history = model.fit(x, x.sum(1), batch_size=2, epochs=2, shuffle=False, verbose=0)
    torch.manual_seed(0)
    keraton.backend.clear_session()
    reference = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    w = reference.get_weights()
    # plain SGD on the mean squared error, batch 2, by hand
    for _ in range(2):
        for i in (0, 2):
            xb, yb = x[i:i + 2], x[i:i + 2].sum(1, keepdims=True)
            err = xb @ w[0] + w[1] - yb
            w = [w[0] - 0.1 * xb.T @ err, w[1] - 0.1 * err.sum(0)]
    for got, expected in zip(model.get_weights(), w):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert len(history.history["loss"]) == 2


def _sharded(inner, rank, world, seed=7):
    """A ShardedAdapter for a given rank without a process group (its fields set by hand)."""
    adapter = distributed.ShardedAdapter.__new__(distributed.ShardedAdapter)
    adapter.inner, adapter._model, adapter._seed, adapter._epoch = inner, type("M", (), {})(), seed, 0
    adapter._presharded, adapter._rank, adapter._world = False, rank, world
    return adapter


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_array_parts_make_up_the_global_batches(shuffle):
    import torch

    inner = ArrayDataAdapter(torch.arange(51.0).reshape(51, 1), batch_size=25, shuffle=shuffle)
    with pytest.warns(UserWarning, match="skipped a batch of 1 sample"):
        parts = [[b[:, 0].tolist() for b in _sharded(inner, r, 2).get_torch_iterator()]
                 for r in range(2)]
    assert [len(p) for p in parts[0]] == [13, 13] and [len(p) for p in parts[1]] == [12, 12]
    globals_ = [parts[0][i] + parts[1][i] for i in range(2)]
    gen = torch.Generator().manual_seed(7)  # the seed shared by all ranks (epoch 0)
    if shuffle is True:
        order = torch.randperm(51, generator=gen).tolist()
    elif shuffle == "batch":
        order = sum((list(range(s, min(51, s + 25))) for s in (torch.randperm(3, generator=gen) * 25).tolist()), [])
    else:
        order = list(range(51))
    batches = [order[i:i + 25] for i in range(0, 51, 25)]
    expected = [[float(v) for v in b] for b in batches if len(b) >= 2]
    assert globals_ == expected


@pytest.mark.parametrize("value, backend, expected", [
    ("auto", "nccl", True), ("auto", "gloo", False), (True, "gloo", True), (False, "nccl", False)])
def test_overlap_backward_auto_overlaps_on_nccl_only(value, backend, expected):
    from keraton.trainers.distributed import resolve_overlap
    assert distribution.DataParallel().overlap_backward == "auto"
    assert resolve_overlap(distribution.DataParallel(overlap_backward=value).overlap_backward,
                           backend) is expected


def test_overlap_backward_rejects_other_values():
    with pytest.raises(ValueError, match="overlap_backward must be True, False or 'auto'"):
        distribution.DataParallel(overlap_backward="yes")
