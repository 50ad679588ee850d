"""The trainer's hooks for multi-process data parallelism (``keraton.distribution``).

``fit``/``evaluate``/``predict`` call these at a few points; each is a no-op
when this process is not one of several in a ``torch.distributed`` group.

Gradients are averaged by :mod:`keraton.trainers.distributed_gradients`,
called by every keraton optimizer (``step``, ``apply``,
``apply_gradients``) during a distributed ``fit``, with the all-reduce of
each gradient bucket launched from ``backward`` as soon as its gradients are
ready (see that module for the design).  No ``DistributedDataParallel``
wrapper: Keras's ``train_step`` (the built-in one and every user override)
calls ``self(x)``, which DDP's wrapper would not see.

Batches: ``batch_size`` is the global batch.  Every global batch is split
into ``world_size`` contiguous parts, one per rank, so the data order is the
one a single process sees; gradients are averaged weighted by part size, so
the update equals the single-process update on the whole batch.  With nccl,
the model, its optimizers' state and every batch go to ``cuda:LOCAL_RANK``.

Metric states are reduced at the end of each epoch according to each state's
``aggregation`` (``Metric.add_variable``): ``"sum"`` (Keras's default),
``"mean"``, ``"only_first_replica"`` (rank 0's value), ``"none"`` (each rank
keeps its own), and, as a keraton extension, ``"max"`` and ``"min"``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import torch
import torch.distributed as dist

from keraton import distribution as distribution_module
from keraton.optimizers.base_optimizer import Optimizer
from keraton.trainers.compile_utils import LossTracker
from keraton.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from keraton.trainers.data_adapters.data_adapter import DataAdapter
from keraton.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter
from keraton.trainers.distributed_gradients import GradientSync, collective, comm_device
from keraton.trainers.step_logs import MetricsLogs, to_floats
from keraton.utils import tree


def active() -> bool:
    """Whether to train distributed: a process group of several processes exists (or can be joined)."""
    current = distribution_module.distribution()
    if current is not None:
        current.initialize()
    return distribution_module.is_distributed()


def shard_adapter(adapter, model):
    """Wrap an adapter so that this rank gets its part of every global batch."""
    if not active() or isinstance(adapter, ShardedAdapter):
        return adapter
    seed = torch.randint(0, 2**31 - 1, (1,), dtype=torch.int64).to(comm_device())
    collective(dist.broadcast, seed, 0)  # one permutation for all ranks
    sampled = _with_distributed_sampler(adapter, int(seed))
    if sampled is not None:
        return ShardedAdapter(sampled, model, int(seed), presharded=True)
    return ShardedAdapter(adapter, model, int(seed))


def _with_distributed_sampler(adapter, seed):
    """A map-style ``DataLoader`` rebuilt on a ``DistributedSampler`` with batch ``batch_size / world``.

    Each rank then loads only its samples (rank ``r`` gets samples ``r, r +
    world, ...`` of the sampler's order, so a global batch holds the same
    samples as one process's batch).  ``None`` when the loader cannot be
    rebuilt so (iterable dataset, custom batch sampler, batch not divisible
    by the world size): its global batches are then sliced.
    """
    if not isinstance(adapter, TorchDataLoaderAdapter):
        return None
    loader, world = adapter._loader, dist.get_world_size()
    data = torch.utils.data
    if (isinstance(loader.dataset, data.IterableDataset) or loader.batch_size is None
            or loader.batch_size % world
            or not isinstance(loader.sampler, (data.SequentialSampler, data.RandomSampler))):
        return None
    sampler = data.distributed.DistributedSampler(
        loader.dataset, num_replicas=world, rank=dist.get_rank(),
        shuffle=isinstance(loader.sampler, data.RandomSampler), seed=seed, drop_last=loader.drop_last)
    rebuilt = data.DataLoader(
        loader.dataset, batch_size=loader.batch_size // world, sampler=sampler,
        num_workers=loader.num_workers, collate_fn=loader.collate_fn, pin_memory=loader.pin_memory,
        drop_last=loader.drop_last, worker_init_fn=loader.worker_init_fn,
        persistent_workers=loader.persistent_workers)
    return TorchDataLoaderAdapter(rebuilt, adapter._convert)


class ShardedAdapter(DataAdapter):
    """This rank's part of each global batch of ``inner`` (contiguous parts, rank order).

    In-memory arrays gather only this rank's rows, along a per-epoch
    permutation drawn from a seed shared by all ranks; a map-style
    ``DataLoader`` (or ``Dataset``) runs on a ``DistributedSampler``
    (``presharded``, ``set_epoch`` each epoch); other sources (PyDataset,
    generators, iterable datasets) yield global batches that each rank slices.
    """

    def __init__(self, inner, model, seed, presharded=False):
        self.inner = inner
        self._presharded = presharded
        self._model = model
        self._seed = seed
        self._epoch = 0
        self._rank, self._world = dist.get_rank(), dist.get_world_size()

    num_batches = property(lambda self: self.inner.num_batches)
    batch_size = property(lambda self: self.inner.batch_size)
    has_partial_batch = property(lambda self: self.inner.has_partial_batch)

    def first_batch(self):
        """The inner source's first batch (only used to build the model)."""
        return self.inner.first_batch()

    def on_epoch_end(self) -> None:
        """Advance the shared shuffling seed and let the inner source reshuffle."""
        self._epoch += 1
        if self._presharded:
            self.inner._loader.sampler.set_epoch(self._epoch)
        self.inner.on_epoch_end()

    def get_torch_iterator(self):
        """Yield this rank's part of each global batch (on the rank's device) and record its size."""
        if self._presharded:
            batches = self.inner.get_torch_iterator()
        elif isinstance(self.inner, ArrayDataAdapter):
            batches = self._array_batches()
        else:
            batches = (self._slice(batch) for batch in self.inner.get_torch_iterator()
                       if not self._too_small(tree.flatten(batch)[0].shape[0]))
        device = placement_device()
        place_model(self._model, device)  # evaluate/predict without fit: the model goes there too
        for batch in batches:
            self._model._distributed_batch_size = tree.flatten(batch)[0].shape[0]
            if device is not None:
                batch = tree.map_structure(
                    lambda t: t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t, batch)
            yield batch

    def _too_small(self, size) -> bool:
        """A global batch smaller than the world leaves a rank nothing: skipped on every rank alike."""
        if size >= self._world:
            return False
        warnings.warn(f"DataParallel: skipped a batch of {size} sample(s), fewer than the "
                      f"{self._world} processes; choose batch_size and sample counts so that "
                      "every batch has at least one sample per process.", stacklevel=2)
        return True

    def _slice(self, batch):
        return tree.map_structure(
            lambda t: torch.tensor_split(t, self._world)[self._rank] if isinstance(t, torch.Tensor) else t,
            batch)

    def _array_batches(self):
        inner = self.inner
        n, bs = inner.num_samples, inner.batch_size
        if inner._shuffle is True:
            gen = torch.Generator().manual_seed(self._seed + self._epoch)
            order = torch.randperm(n, generator=gen)
        elif inner._shuffle == "batch":
            gen = torch.Generator().manual_seed(self._seed + self._epoch)
            starts = torch.randperm(inner.num_batches, generator=gen) * bs
            order = torch.cat([torch.arange(s, min(n, s + bs)) for s in starts.tolist()])
        else:
            order = None
        device = inner._device
        for start in range(0, n, bs):
            stop = min(n, start + bs)
            if self._too_small(stop - start):
                continue
            part = torch.tensor_split(torch.arange(start, stop), self._world)[self._rank]
            index = part if order is None else order[part]
            if order is None and len(part):
                index = slice(int(part[0]), int(part[-1]) + 1)
            batch = [t[index] for t in inner._flat]
            if device is not None:
                batch = [t.to(device, non_blocking=True) for t in batch]
            yield inner._pack(batch)


def placement_device():
    """The device a rank trains on: ``cuda:LOCAL_RANK`` with the nccl backend, else ``None`` (stay put).

    ``LOCAL_RANK`` is set by torchrun; without it the current CUDA device is used.
    """
    if not dist.is_initialized() or dist.get_backend() != "nccl" or not torch.cuda.is_available():
        return None
    local = os.environ.get("LOCAL_RANK")
    return torch.device("cuda", int(local) if local is not None else torch.cuda.current_device())


def place_model(model, device) -> None:
    """Move a model still on the CPU, and the state of the optimizers it holds, to ``device``.

    Parameters and optimizer states are moved in place (``swap_tensors``:
    same Python objects), so optimizers built on them stay valid.  A model already on an accelerator is left alone.
    """
    if device is None or device.type == "cpu":
        return
    first = next(iter(model.parameters()), None)
    if first is not None and first.device.type != "cpu":
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    swap = torch.__future__.get_swap_module_params_on_conversion()
    torch.__future__.set_swap_module_params_on_conversion(True)  # keep the Parameter objects
    try:
        model.to(device)
    finally:
        torch.__future__.set_swap_module_params_on_conversion(swap)
    for value in list(vars(model).values()):
        if isinstance(value, Optimizer):
            _move_optimizer(value, device)


def _move_optimizer(optimizer, device) -> None:
    with torch.no_grad():
        for state in optimizer._variables:
            if isinstance(state, torch.Tensor):  # in place: the optimizer's slot lists share them
                torch.utils.swap_tensors(state, state.to(device))
    inner = getattr(optimizer, "inner_optimizer", None)
    if isinstance(inner, Optimizer):
        _move_optimizer(inner, device)


def start_fit(model):
    """Once per distributed ``fit``: device placement, same initial weights, gradient averaging.

    Every keraton optimizer averages gradients over the ranks until the
    returned function (call it when ``fit`` ends) removes the sync.  The
    sync stays reachable as ``model._distributed_sync`` (its counters).
    """
    if not active():
        return lambda: None
    place_model(model, placement_device())
    device = comm_device()
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            buf = tensor.detach().to(device)
            collective(dist.broadcast, buf, 0)
            tensor.copy_(buf)
    current = distribution_module.distribution()
    cap = int((current.bucket_cap_mb if current is not None else 25) * 2**20)
    overlap = resolve_overlap(current.overlap_backward if current is not None else "auto",
                              dist.get_backend())
    sync = GradientSync(model, cap, overlap)
    model._distributed_sync = sync
    Optimizer._gradient_sync = sync

    def end():
        sync.remove()
        if Optimizer._gradient_sync is sync:
            Optimizer._gradient_sync = None

    return end


def resolve_overlap(overlap_backward, backend: str) -> bool:
    """``DataParallel(overlap_backward=...)`` for this group's backend: ``"auto"`` overlaps on nccl only."""
    return backend == "nccl" if overlap_backward == "auto" else bool(overlap_backward)


def global_logs(model, logs) -> dict:
    """The epoch's logs as floats, reduced over ranks: metric states by their aggregation, other values averaged."""
    if not active():
        return to_floats(logs)
    device = comm_device()
    if isinstance(logs, MetricsLogs):
        _reduce_metric_states(model.metrics, device)
        return to_floats(logs)
    floats = to_floats(logs)
    keys = [k for k, v in floats.items() if isinstance(v, float)]
    if keys:
        values = torch.tensor([floats[k] for k in keys], dtype=torch.float64, device=device)
        collective(dist.all_reduce, values)
        floats.update(zip(keys, (values / dist.get_world_size()).tolist()))
    return floats


_REDUCE_OPS = {"sum": dist.ReduceOp.SUM, "mean": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX,
               "min": dist.ReduceOp.MIN}


def _metric_states(metric) -> list:
    """``(state, aggregation)`` for a metric and its sub-metrics, ``variables``' order."""
    own = list(getattr(metric, "_variables", metric.variables))
    aggregations = list(getattr(metric, "_variable_aggregations", []))
    aggregations += ["sum"] * (len(own) - len(aggregations))
    out = list(zip(own, aggregations))
    for sub in getattr(metric, "_metrics", []):
        out.extend(_metric_states(sub))
    return out


def _reduce_metric_states(metrics, device) -> None:
    """Reduce every metric's state over ranks by its ``aggregation``, one collective per kind.

    Keras metrics keep additive states (totals, counts, confusion counts),
    summed to give the global result; the loss trackers keep a
    ``total``/``count`` pair, summed too.  ``"mean"`` averages,
    ``"max"``/``"min"`` (keraton extension) take the extreme,
    ``"only_first_replica"`` takes rank 0's value, ``"none"`` keeps each rank's own.
    """
    groups = {}
    trackers = [m for m in metrics if isinstance(m, LossTracker)]
    for m in metrics:
        if not isinstance(m, LossTracker):
            for state, aggregation in _metric_states(m):
                groups.setdefault(aggregation or "none", []).append(state)
    for aggregation in ("sum", "mean", "max", "min", "only_first_replica"):
        states = groups.get(aggregation, [])
        parts = [v.detach().reshape(-1).to(device, torch.float64) for v in states]
        if aggregation == "sum":
            for t in trackers:
                total = t.total if t.total is not None else torch.zeros(())
                parts.append(torch.stack([total.detach().reshape(()).to(device, torch.float64),
                                          torch.tensor(float(t.count), dtype=torch.float64, device=device)]))
        if not parts:
            continue
        flat = torch.cat(parts)
        if aggregation == "only_first_replica":
            collective(dist.broadcast, flat, 0)
        else:
            collective(dist.all_reduce, flat, _REDUCE_OPS[aggregation])
        if aggregation == "mean":
            flat /= dist.get_world_size()
        offset = 0
        with torch.no_grad():
            for v in states:
                v.copy_(flat[offset:offset + v.numel()].view_as(v).to(v.device, v.dtype))
                offset += v.numel()
        if aggregation == "sum":
            for t in trackers:
                t.total, t.count = flat[offset].float(), float(flat[offset + 1])
                offset += 2


def gather_predictions(chunks) -> list:
    """All ranks' per-batch outputs, interleaved back into the original sample order."""
    if not active():
        return chunks
    everyone = [None] * dist.get_world_size()
    collective(dist.all_gather_object, everyone, chunks)
    return [[np.concatenate(parts) for parts in zip(*(rank_chunks[b] for rank_chunks in everyone))]
            for b in range(len(chunks))]
