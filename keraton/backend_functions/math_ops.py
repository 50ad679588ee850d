"""Keras 2 backend maths, random variables, variable updates and batch normalization.

``K.sin``, ``K.cumprod``, ``K.reverse``, ``K.truncated_normal``,
``K.random_normal_variable``, ``K.update_add``, ``K.moving_average_update``,
``K.dropout``, ``K.batch_normalization``, ``K.normalize_batch_in_training``,
``K.print_tensor`` and the scopes and flags of tf.keras 2
(``K.learning_phase_scope``, ``K.name_scope``, ``K.reset_uids``,
``K.manual_variable_initialization``), with tf.keras 2's numerics, on torch.

The updates (``update``, ``update_add``, ``update_sub``,
``moving_average_update``) assign in place at once and return the variable:
keraton runs eagerly, so the update ops Keras 2 collected with
``layer.add_update`` have already happened when they are created.  Inside a
Keras 2 optimizer's ``get_updates`` step they are assigned together after it
(:mod:`keraton.backend_functions.update_scope`).

Example:
    >>> from keraton import backend as K
    >>> v = K.variable([0.0])
    >>> K.get_value(K.moving_average_update(v, 2.0, 0.9))
    array([0.2], dtype=float32)
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import torch

from keraton import backend
from keraton.backend_functions import update_scope
from keraton.backend_functions.state_ops import set_learning_phase
from keraton.backend_functions.tensor_ops import _float, _generator, _t, variable
from keraton.layers import call_context
from keraton.symbolic_scope import inferring_shapes

__all__ = [
    "sin", "cos", "cumprod", "reverse", "truncated_normal", "random_normal_variable",
    "random_uniform_variable", "update", "update_add", "update_sub", "moving_average_update",
    "dropout", "batch_normalization", "normalize_batch_in_training", "print_tensor",
    "name_scope", "learning_phase_scope", "manual_variable_initialization", "reset_uids",
    "control_dependencies", "symbolic", "get_variable_shape",
]
_TENSOR_FUNCTIONS = ["sin", "cos", "cumprod", "reverse", "dropout", "batch_normalization"]


def sin(x):
    """Element-wise sine, as ``K.sin``."""
    return torch.sin(_float(_t(x)))


def cos(x):
    """Element-wise cosine, as ``K.cos``."""
    return torch.cos(_float(_t(x)))


def cumprod(x, axis=0):
    """Cumulative product along ``axis`` (default 0, as ``K.cumprod``)."""
    return torch.cumprod(_t(x), dim=axis)


def reverse(x, axes):
    """``x`` reversed along ``axes`` (an int or a list of ints), as ``K.reverse``."""
    axes = [axes] if isinstance(axes, int) else list(axes)
    return torch.flip(_t(x), dims=axes)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn beyond two standard deviations of ``mean``, as ``K.truncated_normal``."""
    out = torch.empty(tuple(shape), dtype=backend.torch_dtype(dtype or backend.floatx()))
    return torch.nn.init.trunc_normal_(out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev,
                                       generator=_generator(seed))


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable of ``U[low, high)`` samples, as ``K.random_uniform_variable``."""
    dtype = dtype or backend.floatx()
    out = torch.empty(tuple(shape), dtype=backend.torch_dtype(dtype))
    return variable(out.uniform_(low, high, generator=_generator(seed)), dtype=dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable of ``N(mean, scale**2)`` samples, as ``K.random_normal_variable``."""
    dtype = dtype or backend.floatx()
    out = torch.empty(tuple(shape), dtype=backend.torch_dtype(dtype))
    return variable(out.normal_(mean, scale, generator=_generator(seed)), dtype=dtype, name=name)


def _updatable(x, what: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"K.{what} updates a variable (K.variable, a layer weight or a torch "
                        f"tensor), got {type(x).__name__}.")
    return x


def _assign(x, value, what: str, sign: int = 0):
    """``x = value`` (``sign`` 0) or ``x += sign * value``, in place, or at the end of a get_updates step."""
    x = _updatable(x, what)
    value = torch.as_tensor(_t(value), dtype=x.dtype, device=x.device).detach()
    scope = update_scope.current()
    if scope is not None:  # a get_updates() step: applied after it, as TF 1 ran the update ops
        scope.defer(x, value, sign)
    elif not inferring_shapes():  # placeholders of the functional API's shape inference
        with torch.no_grad():
            if sign:
                x.add_(torch.broadcast_to(value, x.shape), alpha=sign)
            else:
                x.copy_(torch.broadcast_to(value, x.shape))
    return x


def update(x, new_x):
    """Assign ``new_x`` to variable ``x`` in place and return ``x`` (``K.update``)."""
    return _assign(x, new_x, "update")


def update_add(x, increment):
    """``x += increment`` in place; returns ``x`` (``K.update_add``)."""
    return _assign(x, increment, "update_add", sign=1)


def update_sub(x, decrement):
    """``x -= decrement`` in place; returns ``x`` (``K.update_sub``)."""
    return _assign(x, decrement, "update_sub", sign=-1)


def moving_average_update(x, value, momentum):
    """``x = x * momentum + value * (1 - momentum)`` in place, as tf.keras 2 (no zero-debiasing)."""
    x = _updatable(x, "moving_average_update")
    value = torch.as_tensor(_t(value).detach(), dtype=x.dtype, device=x.device)
    if not inferring_shapes():
        with torch.no_grad():
            x.sub_((x - value) * (1.0 - float(momentum)))
    return x


def dropout(x, level, noise_shape=None, seed=None):
    """Zero entries with probability ``level`` and scale the rest by ``1 / (1 - level)`` (``K.dropout``).

    ``noise_shape`` (broadcastable to ``x``'s shape) shares one keep/drop draw
    along its axes of size 1, as ``tf.nn.dropout``.
    """
    x = _float(_t(x))
    level = float(level)
    if not 0.0 <= level < 1.0:
        raise ValueError(f"K.dropout needs a level in [0, 1), got {level}.")
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = torch.rand(shape, generator=_generator(seed), dtype=x.dtype) >= level
    return x * keep.to(x.device, x.dtype) / (1.0 - level)


def _channel_shape(stat, x, axis):
    """A 1-D per-channel statistic reshaped to broadcast along ``axis`` of ``x``."""
    stat = _t(stat)
    if stat.ndim != 1 or x.ndim < 2:
        return stat
    shape = [1] * x.ndim
    shape[axis % x.ndim] = -1
    return stat.reshape(shape)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``, as ``K.batch_normalization``.

    As tf.keras 2, the statistics broadcast against ``x``; for 4-D ``x`` with
    ``axis`` 1 (channels_first) 1-D statistics apply along that axis, and
    ``beta``/``gamma`` may be None (0 and 1).
    """
    x = _float(_t(x))
    if x.ndim == 4 and axis in (1, -3):
        mean, var = _channel_shape(mean, x, 1), _channel_shape(var, x, 1)
        beta = None if beta is None else _channel_shape(beta, x, 1)
        gamma = None if gamma is None else _channel_shape(gamma, x, 1)
    out = (x - _t(mean)) * torch.rsqrt(_t(var) + epsilon)
    if gamma is not None:
        out = out * _t(gamma)
    if beta is not None:
        out = out + _t(beta)
    return out


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalize ``x`` with its own mean and variance over ``reduction_axes``: ``(normed, mean, var)``.

    As tf.keras 2: ``mean``/``var`` keep only the axes not reduced; ``gamma``
    and ``beta`` (or None) are shaped like them.  For 4-D ``x`` reduced over
    ``[0, 1, 2]`` (channels_last) tf.keras 2 uses TensorFlow's fused batch norm,
    which returns the unbiased (``n / (n - 1)``) batch variance while normalizing
    with the biased one; keraton returns the same.
    """
    x = _float(_t(x))
    axes = [a % x.ndim for a in reduction_axes]
    kept = [a for a in range(x.ndim) if a not in axes]
    mean = x.mean(dim=axes, keepdim=True)
    var = x.var(dim=axes, unbiased=False, keepdim=True)
    normed = (x - mean) * torch.rsqrt(var + epsilon)
    stat_shape = [x.shape[a] for a in kept]
    if gamma is not None:
        normed = normed * _t(gamma).reshape(mean.shape)
    if beta is not None:
        normed = normed + _t(beta).reshape(mean.shape)
    mean, var = mean.reshape(stat_shape), var.reshape(stat_shape)
    if x.ndim == 4 and axes == [0, 1, 2]:
        count = x.shape[0] * x.shape[1] * x.shape[2]
        var = var * (count / max(count - 1, 1))
    return normed, mean, var


def print_tensor(x, message="", summarize=3):
    """Print ``message`` and the value of ``x`` (``summarize`` edge items per axis); return ``x``.

    The layout is ``tf.print``'s: space-separated values, integral floats
    without a decimal point, ``...`` between the first and last ``summarize``
    entries of a long axis (``summarize=-1`` prints everything).
    """
    value = np.asarray(_t(x).detach().cpu().numpy())
    threshold = value.size + 1 if summarize is None or summarize < 0 else 2 * summarize
    text = np.array2string(value, separator=" ", threshold=threshold,
                           edgeitems=3 if summarize is None or summarize < 0 else summarize,
                           formatter={"float_kind": lambda v: f"{v:g}", "int_kind": str})
    print(f"{message} {text}")
    return x


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Reads in the block come after ``control_inputs`` (``K.control_dependencies``).

    keraton runs eagerly, so the ops are done already, except the updates of a
    Keras 2 optimizer's ``get_updates`` step, which wait for the step's end:
    those are assigned before the block, so that its reads see them, as
    TensorFlow ordered them.
    """
    scope = update_scope.current()
    if scope is not None and control_inputs:
        scope.flush()
    yield


def get_variable_shape(x) -> tuple:
    """The shape of ``x`` as a tuple of ints (Keras 2.0's name for ``K.int_shape``)."""
    return backend.int_shape(x)


def symbolic(func):
    """Keras 2.3's decorator for graph-building functions (``K.symbolic``): ``func`` unchanged."""
    return func


def name_scope(name):
    """A name scope for the weights and layers created inside it (``K.name_scope``)."""
    from keraton.name_scopes import name_scope as scope

    return scope(name)


@contextlib.contextmanager
def learning_phase_scope(value):
    """Within the block, the global learning phase is ``value`` (0 test, 1 train), as tf.keras 2.

    Deprecated in tf.keras 2 (it warns the same way): pass ``training=`` to the
    call instead.  The previous phase, set or not, comes back on exit.
    """
    warnings.warn("`keras.backend.learning_phase_scope` is deprecated: pass a True/False value to "
                  "the `training` argument of the layer or model call instead.",
                  DeprecationWarning, stacklevel=3)
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1, got {value!r}.")
    previous = call_context._GLOBAL_LEARNING_PHASE[0]
    set_learning_phase(value)
    try:
        yield
    finally:
        call_context._GLOBAL_LEARNING_PHASE[0] = previous


_MANUAL_VARIABLE_INITIALIZATION = [False]


def manual_variable_initialization(value) -> None:
    """Record Keras 2's manual-initialization flag; keraton's variables always hold their values.

    tf.keras 2 skipped its session's initializers when the flag was set (for
    weights loaded by other means); on torch every variable is created with
    its value, so the flag changes nothing but is kept for code that reads it.
    """
    _MANUAL_VARIABLE_INITIALIZATION[0] = bool(value)


def reset_uids() -> None:
    """Restart automatic layer names (``dense``, ``dense_1``...) from the beginning, as ``K.reset_uids``."""
    backend._NAME_COUNTERS.clear()

