"""Keras 2 backend state functions: ``get_value``/``set_value``, the learning phase, ``switch``.

``get_value``/``set_value`` read and write torch tensors, ``nn.Parameter``s
and optimizers' :class:`~keraton.optimizers.ScalarVariable` learning rates, so
``K.set_value(model.optimizer.lr, 0.01)`` works as in Keras 2.

Example:
    >>> from keraton import backend as K
    >>> v = K.variable([1.0, 2.0])
    >>> K.set_value(v, [3.0, 4.0])
    >>> K.get_value(v)
    array([3., 4.], dtype=float32)
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.backend_functions.tensor_ops import _t
from keraton.layers import call_context
from keraton.layers.weight_layout import assign_keras_value, keras_shape


def get_value(x):
    """The value of ``x`` as NumPy (a NumPy scalar for 0-d values), as ``K.get_value``.

    Works on tensors, ``nn.Parameter``s and ``ScalarVariable``s (``optimizer.lr``);
    other objects are returned unchanged, as in Keras 2.
    """
    if hasattr(x, "numpy") and hasattr(x, "assign"):  # ScalarVariable
        return x.numpy()[()]
    if not isinstance(x, torch.Tensor):
        return x
    value = x.detach().cpu().numpy()
    return value[()] if value.ndim == 0 else value


def batch_get_value(tensors):
    """``[get_value(t) for t in tensors]``, as ``K.batch_get_value``."""
    return [get_value(t) for t in tensors]


def set_value(x, value) -> None:
    """Write ``value`` into ``x`` in place (a tensor, ``nn.Parameter`` or ``ScalarVariable``).

    ``K.set_value(model.optimizer.lr, 0.01)`` changes the learning rate used by
    the next step.  A shape different from ``x``'s raises ``ValueError``.
    """
    if not isinstance(x, torch.Tensor) and hasattr(x, "assign"):  # ScalarVariable
        x.assign(value)
        return
    if hasattr(x, "_from_keras"):  # a weight stored differently: value is in Keras's
        shape = keras_shape(x)
        new = np.asarray(value)
        if tuple(new.shape) != shape:
            raise ValueError(f"set_value expects a value of shape {shape}, got "
                             f"{tuple(new.shape)}.")
        assign_keras_value(x, new)
        return
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"set_value expects a tensor, nn.Parameter or optimizer variable (such as "
                        f"optimizer.lr), got {type(x).__name__}. A learning rate schedule cannot be "
                        "set: create the optimizer with a float learning_rate.")
    new = torch.as_tensor(np.array(value), dtype=x.dtype, device=x.device)
    if tuple(new.shape) != tuple(x.shape):
        raise ValueError(f"set_value expects a value of shape {tuple(x.shape)}, got "
                         f"{tuple(new.shape)}.")
    with torch.no_grad():
        x.copy_(new)


def batch_set_value(tuples) -> None:
    """``set_value(x, value)`` for each ``(x, value)`` pair, as ``K.batch_set_value``."""
    for x, value in tuples:
        set_value(x, value)


def learning_phase() -> int:
    """The global learning phase: 0 (test) unless :func:`set_learning_phase` set 1 (train)."""
    return int(bool(call_context._GLOBAL_LEARNING_PHASE[0]))


def set_learning_phase(value) -> None:
    """Fix the global learning phase to 0 (test) or 1 (train), as Keras 2's ``K.set_learning_phase``.

    As in tf.keras 2, layer calls without ``training=`` and outside an
    enclosing call then run in that mode; ``keraton.backend.clear_session()``
    unsets it.
    """
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1, got {value!r}.")
    call_context._GLOBAL_LEARNING_PHASE[0] = bool(value)


def switch(condition, then_expression, else_expression):
    """Choose ``then_expression`` where ``condition`` holds, else ``else_expression``, as ``K.switch``.

    A scalar condition picks one whole branch (branches may be callables,
    evaluated only when chosen); a tensor condition of lower rank than the
    branches is broadcast over their trailing axes, as Keras 2 tiles it.
    """
    condition = _t(condition).bool()
    if condition.ndim == 0:
        branch = then_expression if bool(condition) else else_expression
        return branch() if callable(branch) else branch
    then_expression = then_expression() if callable(then_expression) else then_expression
    else_expression = else_expression() if callable(else_expression) else else_expression
    then_expression, else_expression = _t(then_expression), _t(else_expression)
    if condition.ndim > then_expression.ndim:
        raise ValueError(f"Rank of `condition` should be at most the rank of `then_expression`: "
                         f"ndim(condition)={condition.ndim}, "
                         f"ndim(then_expression)={then_expression.ndim}.")
    condition = condition.reshape(tuple(condition.shape)
                                  + (1,) * (then_expression.ndim - condition.ndim))
    return torch.where(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """``x`` in the training phase, ``alt`` otherwise (callables are called), as ``K.in_train_phase``.

    ``training`` defaults to :func:`learning_phase`.
    """
    if training is None:
        training = learning_phase()
    if isinstance(training, torch.Tensor):
        training = bool(training)
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """``x`` in the test phase, ``alt`` otherwise, as ``K.in_test_phase``."""
    return in_train_phase(alt, x, training=training)
