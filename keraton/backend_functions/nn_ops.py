"""Keras 2 backend activations and loss building blocks (``K.softmax``, ``K.binary_crossentropy``...).

Same numerics as ``keras._legacy.backend``: the probability-space
crossentropies clip ``output`` to ``[epsilon, 1 - epsilon]`` (and
``categorical_crossentropy`` first rescales it to sum to 1), and no reduction
over the batch is applied, so they compose into custom losses unchanged.

Example:
    >>> from keraton import backend as K
    >>> K.binary_crossentropy(torch.tensor([1.0]), torch.tensor([0.5]))
    tensor([0.6931])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.backend import epsilon
from keraton.backend_functions.tensor_ops import _float, _t


def softmax(x, axis=-1):
    """Softmax over ``axis`` (an int or a tuple of axes), as ``K.softmax``; rejects 1-D input."""
    x = _float(_t(x))
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received shape {tuple(x.shape)}.")
    if isinstance(axis, int):
        return torch.softmax(x, dim=axis)
    numerator = torch.exp(x - torch.amax(x, dim=tuple(axis), keepdim=True))
    return numerator / torch.sum(numerator, dim=tuple(axis), keepdim=True)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras 2's ``alpha`` (leak), ``max_value`` and ``threshold``."""
    x = _float(_t(x))
    negative = F.relu(threshold - x) if alpha != 0.0 else None
    out = x * (x > threshold).to(x.dtype) if threshold != 0 else F.relu(x)
    if max_value is not None:
        out = torch.clamp(out, 0, max_value)
    if negative is not None:
        out = out - alpha * negative
    return out


def elu(x, alpha=1.0):
    """Exponential linear unit, as ``K.elu``."""
    return F.elu(_float(_t(x)), alpha=alpha)


def sigmoid(x):
    """Logistic sigmoid, as ``K.sigmoid``."""
    return torch.sigmoid(_float(_t(x)))


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid ``clip(0.2 * x + 0.5, 0, 1)``, as ``K.hard_sigmoid``."""
    return torch.clamp(0.2 * _float(_t(x)) + 0.5, 0.0, 1.0)


def tanh(x):
    """Hyperbolic tangent, as ``K.tanh``."""
    return torch.tanh(_float(_t(x)))


def softplus(x):
    """``log(exp(x) + 1)``, as ``K.softplus``."""
    return F.softplus(_float(_t(x)))


def softsign(x):
    """``x / (abs(x) + 1)``, as ``K.softsign``."""
    return F.softsign(_float(_t(x)))


def bias_add(x, bias, data_format=None):
    """Add ``bias`` along the channels axis (last unless ``data_format='channels_first'``)."""
    x, bias = _t(x), _t(bias)
    if data_format == "channels_first" and x.ndim > 2:
        return x + bias.reshape((1, -1) + (1,) * (x.ndim - 2)) if bias.ndim == 1 else x + bias
    return x + bias


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy (no mean), as Keras 2's ``K.binary_crossentropy``.

    Probabilities are clipped to ``[epsilon, 1 - epsilon]`` and ``epsilon`` is
    added inside the logs, as Keras does.
    """
    target, output = _float(_t(target)), _float(_t(output))
    target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(output + eps) + (1 - target) * torch.log(1 - output + eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot ``target`` and ``output`` over ``axis``, as ``K.categorical_crossentropy``."""
    target, output = _float(_t(target)), _float(_t(output))
    if target.shape != output.shape:
        raise ValueError(f"categorical_crossentropy expects target and output of the same shape, "
                         f"got {tuple(target.shape)} and {tuple(output.shape)}.")
    if from_logits:
        return -torch.sum(target * torch.log_softmax(output, dim=axis), dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -torch.sum(target * torch.log(output), dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer ``target`` and ``output`` over ``axis``, as ``K.sparse_categorical_crossentropy``.

    ``target`` may carry a trailing size-1 axis (``(batch, 1)``), as Keras 2 accepts.
    """
    output = _float(_t(output))
    target = _t(target).long()
    log_probs = (torch.log_softmax(output, dim=axis) if from_logits
                 else torch.log(torch.clamp(output, epsilon(), 1 - epsilon())))
    log_probs = torch.movedim(log_probs, axis, -1)
    if target.ndim == log_probs.ndim:
        target = target.squeeze(-1)
    if target.shape != log_probs.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy expects target of shape "
                         f"{tuple(log_probs.shape[:-1])}, got {tuple(target.shape)}.")
    # From probabilities Keras 2 takes log(clip(p)) as logits and applies a softmax again.
    if not from_logits:
        log_probs = torch.log_softmax(log_probs, dim=-1)
    return -torch.gather(log_probs, -1, target.unsqueeze(-1)).squeeze(-1)


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False):
    """Element-wise focal crossentropy: ``(1 - p_t) ** gamma * binary_crossentropy``, as tf.keras 2.

    ``p_t`` is the probability given to the true class; with
    ``apply_class_balancing`` the loss is weighted by ``alpha`` for class 1 and
    ``1 - alpha`` for class 0.
    """
    target, output = _float(_t(target)), _float(_t(output))
    target = target.to(output.dtype)
    probs = torch.sigmoid(output) if from_logits else output
    p_t = target * probs + (1 - target) * (1 - probs)
    focal = torch.pow(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """Focal crossentropy summed over ``axis``: ``sum(alpha * (1 - p) ** gamma * -target * log(p))``.

    As tf.keras 2: probabilities (a softmax of ``output`` when ``from_logits``)
    are rescaled to sum to 1 and clipped to ``[epsilon, 1 - epsilon]``;
    ``alpha`` is a number or one weight per class.
    """
    target, output = _float(_t(target)), _float(_t(output))
    if target.shape != output.shape:
        raise ValueError(f"categorical_focal_crossentropy expects target and output of the same "
                         f"shape, got {tuple(target.shape)} and {tuple(output.shape)}.")
    if from_logits:
        output = torch.softmax(output, dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    alpha = torch.as_tensor(alpha, dtype=output.dtype)
    return torch.sum(alpha * torch.pow(1.0 - output, gamma) * -target * torch.log(output), dim=axis)
