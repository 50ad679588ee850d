"""Array utilities of ``keras.utils``: ``to_categorical`` (one-hot) and ``normalize``.

NumPy (or list) inputs give NumPy outputs and torch tensors give torch
tensors, as Keras 3 returns backend tensors for backend-tensor inputs.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend

__all__ = ["normalize", "to_categorical"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels, as ``keras.utils.to_categorical``.

    ``y`` holds integers in ``[0, num_classes)``; ``num_classes`` defaults to
    ``max(y) + 1``.  A trailing axis of size 1 is dropped first, so shape
    ``(n, 1)`` gives ``(n, C)`` like ``(n,)`` does; in general ``y.shape + (C,)``.
    Returns a NumPy array of ``dtype`` (a torch tensor if ``y`` is one).
    Labels outside ``[0, num_classes)`` raise ``ValueError``.
    """
    if isinstance(y, torch.Tensor):
        labels = y.detach().cpu().numpy()
        out = to_categorical(labels, num_classes=num_classes, dtype="float32")
        return torch.as_tensor(out, device=y.device).to(backend.torch_dtype(dtype))
    y = np.asarray(y)
    if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
        raise ValueError(f"to_categorical expects integer class labels, received values like {y.flat[0]!r}.")
    y = y.astype("int64")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    num_classes = int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"to_categorical: class labels must lie in [0, {num_classes}); received labels "
            f"from {int(y.min())} to {int(y.max())}. Pass a larger num_classes or fix the labels."
        )
    categorical = np.zeros((y.shape[0], num_classes), dtype=dtype)
    categorical[np.arange(y.shape[0]), y] = 1
    return categorical.reshape(tuple(input_shape) + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its ``order``-norm along ``axis``, as ``keras.utils.normalize``.

    NumPy (or list) input: ``x / norm`` with ``np.linalg.norm(x, order, axis)``
    and zero norms replaced by 1, returning NumPy.  ``axis=None`` normalizes
    by the norm of the flattened array.  Torch input: Keras's ``ops.normalize``
    formula, ``x * min(rsqrt(sum(x**2)), 1/epsilon)`` for ``order=2`` and
    ``x / max(norm, epsilon)`` otherwise, returning torch (differentiable).
    """
    if isinstance(x, torch.Tensor):
        return _normalize_tensor(x, axis=axis, order=order)
    x = np.asarray(x)
    if axis is None:
        norm = np.linalg.norm(x.reshape(-1), order)
        return x / (norm if norm != 0 else 1)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def _normalize_tensor(x: torch.Tensor, axis=-1, order=2, epsilon=None) -> torch.Tensor:
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    if x.ndim == 0:
        x = x.unsqueeze(0)
    if not x.is_floating_point():
        x = x.to(backend.torch_dtype(None))
    epsilon = backend.epsilon() if epsilon is None else epsilon
    dims = None if axis is None else (axis if isinstance(axis, (tuple, list)) else (axis,))
    if order == 2:
        square_sum = torch.sum(torch.square(x), dim=dims, keepdim=True)
        inv_norm = torch.clamp(torch.rsqrt(square_sum), max=1.0 / epsilon)
        return x * inv_norm
    if dims is None:
        norm = torch.linalg.vector_norm(x, ord=order, dim=None, keepdim=True)
    else:
        norm = torch.linalg.vector_norm(x, ord=order, dim=dims, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)
