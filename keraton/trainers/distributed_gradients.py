"""Gradient averaging over processes for a distributed ``fit``, overlapped with ``backward``.

Every keraton optimizer calls :class:`GradientSync` (installed as
``Optimizer._gradient_sync`` while a distributed ``fit`` runs) before it
uses gradients, whichever way they come: ``optimizer.step()`` (``p.grad``),
``optimizer.apply(grads, vars)`` or ``apply_gradients(zip(grads, vars))``
(explicit gradients, e.g. from ``torch.autograd.grad``).  So any
``train_step`` (the built-in one, a GAN's two optimizers, gradient
accumulation) averages gradients without a ``DistributedDataParallel``
wrapper around the forward.

Overlap with ``backward``.  The model's trainable parameters are grouped into
buckets of ``bucket_cap_mb``, in reverse parameter order as DDP does (the last
layers' gradients are ready first).  A ``register_post_accumulate_grad_hook``
marks each parameter ready; when every parameter of the next bucket (in bucket
order, so that all ranks issue the same collectives in the same order) is
ready, the hook copies the bucket's gradients into a flat buffer ("snapshot")
and launches its asynchronous all-reduce while ``backward`` goes on.

At the optimizer's call the result of a launched bucket is used only if the
gradients handed to the optimizer are still exactly the ones snapshotted:
same tensor object and same ``_version`` (in-place edits of ``p.grad``, e.g. a
second ``backward`` that accumulates into it, bump the version).  Otherwise,
and for buckets never launched (a parameter without gradient, a partial
backward as in a GAN's discriminator step, explicit gradients), the gradients
are all-reduced then.  Clipping (``clipnorm`` ...), loss-scale division and
the update rule all run after this averaging, in the optimizer.

Each flat buffer holds ``grad * local_batch`` for its parameters, one
presence flag per parameter and the rank's batch size: one all-reduce gives
the batch-weighted mean (so the update equals one process training on the
global batch), and a parameter without gradient on every rank keeps ``None``
(not updated, as in one process), while one missing on some ranks only counts
as zero there.

Assumption (as DDP's): every rank's ``backward`` yields gradients for the
same parameters in the same order.  A model whose graph depends on the data
(routing, skipped branches) can break the hooks' launch order across ranks;
use ``DataParallel(overlap_backward=False)`` for it, which reduces everything
at the optimizer's call.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def comm_device() -> torch.device:
    """The device collectives run on: the current CUDA device for nccl, else the CPU."""
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


class _Launch:
    """One asynchronous all-reduce of some parameters' gradients."""

    def __init__(self, params, grads, weight, device):
        self.params = params
        dtype = torch.float64 if any(p.dtype == torch.float64 for p in params) else torch.float32
        parts = [(g if g is not None else torch.zeros_like(p)).detach().reshape(-1).to(device, dtype)
                 * weight for p, g in zip(params, grads)]
        presence = torch.tensor([float(g is not None) for g in grads] + [float(weight)],
                                dtype=dtype, device=device)
        self.flat = torch.cat(parts + [presence])
        self._all_local = all(g is not None for g in grads)
        self.work = collective(dist.all_reduce, self.flat, async_op=True)
        self._result = None

    def result(self) -> list:
        """The averaged gradients (``None`` where no rank had one), waiting for the transfer once."""
        if self._result is None:
            collective(self.work.wait)
            n = len(self.params)
            # present here means present after the sum: read the flags (a host sync) only if needed
            present = [1.0] * n if self._all_local else self.flat[-1 - n:-1].tolist()
            values = self.flat[:-1 - n] / self.flat[-1]
            out, offset = [], 0
            for p, flag in zip(self.params, present):
                g = values[offset:offset + p.numel()].view_as(p).to(p.device, p.dtype)
                offset += p.numel()
                out.append(g if flag > 0 else None)
            self._result = out
        return self._result


class _Bucket:
    def __init__(self, params):
        self.params = params
        self.position = {id(p): i for i, p in enumerate(params)}
        self.ready = set()
        self.launch = None
        self.snapshot = None  # (grad tensor, grad._version) per parameter at launch


class GradientSync:
    """Averages gradients over the process group; see the module docstring.

    Args:
        model: the model whose trainable parameters get backward hooks.
        bucket_bytes: bucket size (``DataParallel.bucket_cap_mb``).
        overlap: launch buckets from ``backward`` (``False``: all at the optimizer's call).

    Counters (for tests and tuning): ``launched_in_backward`` and
    ``launched_at_step`` count the all-reduces started in each place.
    """

    def __init__(self, model, bucket_bytes, overlap=True):
        self._model = model
        self._device = comm_device()
        self._bucket_bytes = bucket_bytes
        params = [p for p in model.parameters() if p.requires_grad]
        self._buckets = [_Bucket(b) for b in _split(list(reversed(params)), bucket_bytes)]
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._next = 0
        self._superseded = []  # launches replaced by a newer one, still to be waited for
        self.launched_in_backward = 0
        self.launched_at_step = 0
        self._hooks = [p.register_post_accumulate_grad_hook(self._on_grad) for p in params] \
            if overlap else []

    def remove(self) -> None:
        """Remove the backward hooks (at the end of ``fit``)."""
        for handle in self._hooks:
            handle.remove()
        self._hooks = []

    def _weight(self) -> float:
        return float(getattr(self._model, "_distributed_batch_size", 1))

    @torch.no_grad()
    def _on_grad(self, param) -> None:
        self._bucket_of[id(param)].ready.add(id(param))
        while self._next < len(self._buckets):
            bucket = self._buckets[self._next]
            if len(bucket.ready) < len(bucket.params):
                return
            if bucket.launch is not None and bucket.launch._result is None:
                self._superseded.append(bucket.launch)
            grads = [p.grad for p in bucket.params]
            bucket.snapshot = [(g, g._version) for g in grads]
            bucket.launch = _Launch(bucket.params, grads, self._weight(), self._device)
            bucket.ready.clear()
            self.launched_in_backward += 1
            self._next += 1
        self._next = 0  # a whole backward's buckets are launched: the next backward starts over

    @torch.no_grad()
    def __call__(self, grads, variables, write_back=False) -> list:
        """Return ``grads`` averaged over ranks (``None`` where no rank has a gradient).

        ``write_back``: also store the averages in ``variable.grad`` (the
        ``optimizer.step()`` path, so ``p.grad`` reads as DDP's after the step).
        """
        for launch in self._superseded:
            launch.result()
        self._superseded = []
        self._next = 0
        for bucket in self._buckets:
            bucket.ready.clear()
        grads = [None if g is None else _as_tensor(g, v) for g, v in zip(grads, variables)]
        by_bucket, rest = {}, []
        for k, v in enumerate(variables):
            bucket = self._bucket_of.get(id(v))
            if bucket is not None and bucket.launch is not None:
                by_bucket.setdefault(id(bucket), (bucket, []))[1].append(k)
            else:
                rest.append(k)
        reuse = []
        for bucket, ks in by_bucket.values():
            if all(_unchanged(bucket, variables[k], grads[k]) for k in ks):
                reuse.append((bucket, ks))
            else:
                rest.extend(ks)
        rest.sort()
        fresh = []
        for part in _split([variables[k] for k in rest], self._bucket_bytes, rest):
            fresh.append((part, _Launch([variables[k] for k in part], [grads[k] for k in part],
                                        self._weight(), self._device)))
            self.launched_at_step += 1
        out = list(grads)
        for bucket, ks in reuse:
            result = bucket.launch.result()
            for k in ks:
                out[k] = result[bucket.position[id(variables[k])]]
        for part, launch in fresh:
            for k, g in zip(part, launch.result()):
                out[k] = g
        if write_back:
            for v, g in zip(variables, out):
                if g is None:
                    continue
                if v.grad is None or v.grad.shape != g.shape:
                    v.grad = g.clone()
                elif v.grad is not g:
                    v.grad.copy_(g)
        return out


def _unchanged(bucket, variable, grad) -> bool:
    snap, version = bucket.snapshot[bucket.position[id(variable)]]
    return grad is snap and grad._version == version


def _as_tensor(grad, variable) -> torch.Tensor:
    if not isinstance(grad, torch.Tensor):
        grad = torch.as_tensor(getattr(grad, "value", grad))
    if grad.is_sparse:
        grad = grad.to_dense()
    return grad


def _split(items, bucket_bytes, keys=None) -> list:
    """Consecutive groups of ``items`` (tensors) of about ``bucket_bytes`` each (``keys``: return those)."""
    keys = items if keys is None else keys
    groups, current, size = [], [], 0
    for item, key in zip(items, keys):
        current.append(key)
        size += item.numel() * item.element_size()
        if size >= bucket_bytes:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups
