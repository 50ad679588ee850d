"""Multi-tensor (``torch._foreach_*``) helpers shared by the keraton optimizers.

Gradient clipping follows Keras 3's formulas (``keras.optimizers.Optimizer``
``clipnorm``, ``clipvalue`` and ``global_clipnorm``), works on all gradients
at once and never reads a value back to the host.  The ``*_`` helpers accept
a scale that is either a Python number or a 0-d tensor (a learning rate from a
schedule may be a device tensor), picking the fused kernel when they can.
"""

from __future__ import annotations

import numbers

import torch


def clip_by_norm(grads: list, clipnorm: float) -> list:
    """Clip each gradient to L2 norm ``clipnorm``: ``g * clipnorm / max(||g||, clipnorm)``.

    Matches Keras's per-variable ``clipnorm`` (zero gradients stay zero, NaN
    norms propagate).  Returns new tensors; the inputs are not modified.
    """
    factors = torch._foreach_norm(grads)
    torch._foreach_maximum_(factors, float(clipnorm))
    torch._foreach_reciprocal_(factors)
    torch._foreach_mul_(factors, float(clipnorm))
    return torch._foreach_mul(grads, factors)


def global_norm(grads: list) -> torch.Tensor:
    """Return the L2 norm of all ``grads`` taken together, as a 0-d tensor (no host sync)."""
    norms = torch._foreach_norm(grads)
    first = norms[0]
    norms = [n if n.device == first.device and n.dtype == first.dtype
             else n.to(device=first.device, dtype=first.dtype) for n in norms]
    return torch.linalg.vector_norm(torch.stack(norms))


def clip_by_global_norm(grads: list, clipnorm: float) -> list:
    """Scale all ``grads`` so their global norm is at most ``clipnorm``, as Keras's ``global_clipnorm``.

    Uses Keras's formula ``clipnorm * min(1 / norm, 1 / clipnorm)`` plus
    ``norm - norm``, so an infinite or NaN global norm turns the gradients
    into NaN exactly as in Keras.  Returns new tensors.
    """
    norm = global_norm(grads)
    scale = torch.clamp(1.0 / norm, max=1.0 / float(clipnorm)) * float(clipnorm) + (norm - norm)
    return scaled(grads, scale)


def clip_by_value(grads: list, clipvalue: float) -> list:
    """Clip every gradient element to ``[-clipvalue, clipvalue]`` (Keras's ``clipvalue``); new tensors."""
    clipped = torch._foreach_clamp_min(grads, -float(clipvalue))
    torch._foreach_clamp_max_(clipped, float(clipvalue))
    return clipped


def _per_tensor(scale, tensors):
    """A 0-d tensor scale, moved and cast as each target tensor needs."""
    return [scale.to(device=t.device, dtype=t.dtype) for t in tensors]


def _same_as_all(scale, tensors) -> bool:
    t = tensors[0]
    return scale.device == t.device and scale.dtype == t.dtype


def scaled(xs: list, scale) -> list:
    """Return ``[x * scale for x in xs]``; ``scale`` is a number or a 0-d tensor."""
    if isinstance(scale, numbers.Number) or _same_as_all(scale, xs):
        return torch._foreach_mul(xs, scale)
    return torch._foreach_mul(xs, _per_tensor(scale, xs))


def mul_(xs: list, scale) -> None:
    """In place: ``x *= scale`` for every ``x``; ``scale`` is a number or a 0-d tensor."""
    if isinstance(scale, numbers.Number) or _same_as_all(scale, xs):
        torch._foreach_mul_(xs, scale)
    else:
        torch._foreach_mul_(xs, _per_tensor(scale, xs))


def add_(xs: list, value) -> None:
    """In place: ``x += value`` for every ``x``; ``value`` is a number or a 0-d tensor."""
    if isinstance(value, numbers.Number):
        torch._foreach_add_(xs, value)
    else:
        torch._foreach_add_(xs, _per_tensor(value, xs))


def div_(xs: list, value) -> None:
    """In place: ``x /= value`` for every ``x``; ``value`` is a number or a 0-d tensor."""
    if isinstance(value, numbers.Number):
        torch._foreach_div_(xs, value)
    else:
        torch._foreach_div_(xs, _per_tensor(value, xs))


def add_scaled_(xs: list, ys: list, alpha) -> None:
    """In place: ``x += alpha * y``; ``alpha`` is a number (fused) or a 0-d tensor."""
    if isinstance(alpha, numbers.Number):
        torch._foreach_add_(xs, ys, alpha=alpha)
    else:
        torch._foreach_add_(xs, scaled(ys, alpha))


def sub_scaled_div_(xs: list, num: list, den: list, alpha) -> None:
    """In place: ``x -= alpha * num / den`` (the common last line of Adam-like updates)."""
    if isinstance(alpha, numbers.Number):
        torch._foreach_addcdiv_(xs, num, den, value=-alpha)
    else:
        step = scaled(num, alpha)
        torch._foreach_div_(step, den)
        torch._foreach_sub_(xs, step)
