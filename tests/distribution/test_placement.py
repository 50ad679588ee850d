"""Device placement for the nccl backend, without a GPU: the choices, with torch's calls faked.

The real GPU path (nccl, ``cuda:LOCAL_RANK``) is not run by these tests.
"""

import pytest
import torch

import keraton
from keraton.trainers import distributed


@pytest.fixture
def fake_group(monkeypatch):
    """A process group with a chosen backend and CUDA availability."""

    def make(backend, cuda=True, local_rank="1", current=3):
        monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
        monkeypatch.setattr(torch.distributed, "get_backend", lambda *a: backend)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "current_device", lambda: current)
        if local_rank is None:
            monkeypatch.delenv("LOCAL_RANK", raising=False)
        else:
            monkeypatch.setenv("LOCAL_RANK", local_rank)

    return make


@pytest.mark.parametrize("backend, cuda, local_rank, expected", [
    ("nccl", True, "1", torch.device("cuda", 1)),
    ("nccl", True, None, torch.device("cuda", 3)),  # no LOCAL_RANK: the current device
    ("gloo", True, "1", None),
    ("nccl", False, "1", None),
])
def test_placement_device(fake_group, backend, cuda, local_rank, expected):
    fake_group(backend, cuda, local_rank)
    assert distributed.placement_device() == expected


def _model_with_optimizers():
    keraton.backend.clear_session()
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2)])
    model.compile(optimizer=keraton.optimizers.Adam(), loss="mse")
    model.optimizer.build(model.trainable_weights)
    model.extra_optimizer = keraton.mixed_precision.LossScaleOptimizer(keraton.optimizers.SGD(momentum=0.9))
    model.extra_optimizer.build(model.trainable_weights)
    return model


def test_place_model_moves_model_and_every_optimizer_state():
    model = _model_with_optimizers()
    params = list(model.parameters())
    distributed.place_model(model, torch.device("meta"))  # stands for cuda:LOCAL_RANK
    assert [p.device.type for p in model.parameters()] == ["meta", "meta"]
    assert all(a is b for a, b in zip(model.parameters(), params))  # same Parameters: optimizers stay valid
    states = model.optimizer._variables + model.extra_optimizer.inner_optimizer._variables
    assert len(states) == 4 + 2 and {s.device.type for s in states} == {"meta"}


def test_place_model_on_cuda_sets_the_device_and_leaves_placed_models(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "set_device", lambda d: calls.append(("set_device", d)))
    monkeypatch.setattr(distributed, "_move_optimizer", lambda o, d: calls.append((type(o).__name__, d)))
    model = _model_with_optimizers()
    monkeypatch.setattr(model, "to", lambda d: calls.append(("to", d)))
    cuda1 = torch.device("cuda", 1)
    distributed.place_model(model, cuda1)
    assert calls == [("set_device", cuda1), ("to", cuda1), ("Adam", cuda1),
                     ("LossScaleOptimizer", cuda1)]
    calls.clear()
    distributed.place_model(model, None)  # gloo
    distributed.place_model(model, torch.device("cpu"))
    assert calls == []


def test_place_model_leaves_a_model_already_on_an_accelerator(monkeypatch):
    model = _model_with_optimizers()
    distributed.place_model(model, torch.device("meta"))
    moved = []
    monkeypatch.setattr(model, "to", lambda d: moved.append(d))
    distributed.place_model(model, torch.device("cuda", 0))
    assert moved == []


def test_sharded_batches_go_to_the_placement_device(monkeypatch):
    from keraton.trainers.data_adapters import ArrayDataAdapter

    placed = []
    monkeypatch.setattr(distributed, "placement_device", lambda: torch.device("meta"))
    monkeypatch.setattr(distributed, "place_model", lambda m, d: placed.append(d))
    adapter = distributed.ShardedAdapter.__new__(distributed.ShardedAdapter)
    adapter.inner = ArrayDataAdapter(torch.ones(8, 2), torch.zeros(8), batch_size=4)
    adapter._model, adapter._seed, adapter._epoch = type("M", (), {})(), 0, 0
    adapter._presharded, adapter._rank, adapter._world = False, 1, 2
    batches = list(adapter.get_torch_iterator())
    assert placed == [torch.device("meta")]  # evaluate/predict place the model too
    assert len(batches) == 2
    assert all(t.device.type == "meta" and t.shape[0] == 2 for b in batches for t in b[:2])
    assert adapter._model._distributed_batch_size == 2
