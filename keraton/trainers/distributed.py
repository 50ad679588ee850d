"""The trainer's hooks for multi-process data parallelism (``keraton.distribution``).

``fit``/``evaluate``/``predict`` call these at a few points; each is a no-op
when this process is not one of several in a ``torch.distributed`` group.

Why gradients are all-reduced in the optimizer step rather than through
``DistributedDataParallel``: DDP needs the forward to run through its wrapper,
while Keras's ``train_step`` (the built-in one and every user override) calls
``self(x)``.  Synchronising ``p.grad`` just before ``optimizer.step()`` works
with any ``train_step`` that calls ``optimizer.step()``; the price is that the
all-reduce starts after ``backward`` instead of overlapping it (see the
README's "Distributed training" section).  Gradients go in buckets of
``DataParallel.bucket_cap_mb``, each launched asynchronously so the buckets'
transfers overlap one another.

Batches: ``batch_size`` is the global batch.  Every global batch is split
into ``world_size`` contiguous parts, one per rank, so the data order is the
one a single process sees; gradients are averaged weighted by part size, so
the update equals the single-process update on the whole batch.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.distributed as dist

from keraton import distribution as distribution_module
from keraton.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from keraton.trainers.data_adapters.data_adapter import DataAdapter
from keraton.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter
from keraton.trainers.step_logs import MetricsLogs, to_floats
from keraton.utils import tree


def active() -> bool:
    """Whether to train distributed: a process group of several processes exists (or can be joined)."""
    current = distribution_module.distribution()
    if current is not None:
        current.initialize()
    return distribution_module.is_distributed()


def _comm_device():
    return torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else \
        torch.device("cpu")


def collective(fn, *args, **kwargs):
    """Run a torch.distributed call, turning a peer's death or a timeout into a clear error."""
    try:
        return fn(*args, **kwargs)
    except RuntimeError as e:  # DistBackendError and gloo's connection errors are RuntimeErrors
        raise RuntimeError(
            f"keraton.distribution: rank {dist.get_rank()} of {dist.get_world_size()} lost contact "
            f"with the other processes during {getattr(fn, '__name__', fn)} ({e}). Another process "
            "probably died or hangs; training cannot continue. Check the other ranks' logs and "
            "relaunch (BackupAndRestore resumes every rank from the last backup).") from e


def shard_adapter(adapter, model):
    """Wrap an adapter so that this rank gets its part of every global batch."""
    if not active() or isinstance(adapter, ShardedAdapter):
        return adapter
    seed = torch.randint(0, 2**31 - 1, (1,), dtype=torch.int64).to(_comm_device())
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
        """Yield this rank's part of each global batch and record its size for the gradient weights."""
        if self._presharded:
            batches = self.inner.get_torch_iterator()
        elif isinstance(self.inner, ArrayDataAdapter):
            batches = self._array_batches()
        else:
            batches = (self._slice(batch) for batch in self.inner.get_torch_iterator()
                       if not self._too_small(tree.flatten(batch)[0].shape[0]))
        for batch in batches:
            self._model._distributed_batch_size = tree.flatten(batch)[0].shape[0]
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


def start_fit(model):
    """Once per distributed ``fit``: same initial weights on all ranks, gradient sync in ``step``.

    Returns a function that undoes the optimizer hook (call it when ``fit`` ends).
    """
    if not active():
        return lambda: None
    device = _comm_device()
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            buf = tensor.detach().to(device)
            collective(dist.broadcast, buf, 0)
            tensor.copy_(buf)
    optimizer = model.optimizer
    params = [p for p in model.parameters() if p.requires_grad]
    original = optimizer.step
    current = distribution_module.distribution()
    cap = int((current.bucket_cap_mb if current is not None else 25) * 2**20)

    def step(*args, **kwargs):
        sync_gradients(params, getattr(model, "_distributed_batch_size", 1), cap)
        return original(*args, **kwargs)

    optimizer.step = step
    return lambda: optimizer.__dict__.pop("step", None)


def sync_gradients(params, local_batch, bucket_bytes) -> None:
    """Average ``p.grad`` over ranks, weighted by each rank's batch size, in async buckets.

    Each bucket carries the rank's batch size as its last element, so one
    all-reduce per bucket gives both the weighted sum and the total weight.
    """
    params = [p for p in params if p.requires_grad]
    device = _comm_device()
    buckets, current, size = [], [], 0
    for p in params:
        current.append(p)
        size += p.numel() * 4
        if size >= bucket_bytes:
            buckets.append(current)
            current, size = [], 0
    if current:
        buckets.append(current)
    pending = []
    for bucket in buckets:
        flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                          .to(device, torch.float32) * local_batch for p in bucket]
                         + [torch.full((1,), float(local_batch), device=device)])
        pending.append((bucket, flat, collective(dist.all_reduce, flat, async_op=True)))
    for bucket, flat, work in pending:
        collective(work.wait)
        flat = flat[:-1] / flat[-1]
        offset = 0
        for p in bucket:
            g = flat[offset:offset + p.numel()].view_as(p).to(p.device, p.dtype)
            offset += p.numel()
            if p.grad is None:
                p.grad = g
            else:
                p.grad.copy_(g)


def global_logs(model, logs) -> dict:
    """The epoch's logs as floats, reduced over ranks: metric states summed, other values averaged."""
    if not active():
        return to_floats(logs)
    device = _comm_device()
    if isinstance(logs, MetricsLogs):
        _sum_metric_states(model.metrics, device)
        return to_floats(logs)
    floats = to_floats(logs)
    keys = [k for k, v in floats.items() if isinstance(v, float)]
    if keys:
        values = torch.tensor([floats[k] for k in keys], dtype=torch.float64, device=device)
        collective(dist.all_reduce, values)
        floats.update(zip(keys, (values / dist.get_world_size()).tolist()))
    return floats


def _sum_metric_states(metrics, device) -> None:
    """Replace every metric's state by its sum over ranks, in one all-reduce.

    Keras metrics keep additive states (totals, counts, confusion counts), so
    the summed state gives the global result; the loss trackers keep a
    ``total``/``count`` pair.
    """
    trackers = [m for m in metrics if not hasattr(m, "variables")]
    states = [v for m in metrics if hasattr(m, "variables") for v in m.variables]
    parts = [v.detach().reshape(-1).to(device, torch.float64) for v in states]
    for t in trackers:
        total = t.total if t.total is not None else torch.zeros(())
        parts.append(torch.stack([total.detach().reshape(()).to(device, torch.float64),
                                  torch.tensor(float(t.count), dtype=torch.float64, device=device)]))
    if not parts:
        return
    flat = torch.cat(parts)
    collective(dist.all_reduce, flat)
    offset = 0
    with torch.no_grad():
        for v in states:
            v.copy_(flat[offset:offset + v.numel()].view_as(v).to(v.device, v.dtype))
            offset += v.numel()
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
