"""Weights kept in a torch-friendly layout, seen in Keras's layout at the edges.

``get_weights``/``set_weights`` and the savers go through :func:`keras_value`
and :func:`assign_keras_value`; a layer that stores a weight differently from
Keras (conv kernels, fused RNN weights) declares the conversion once with
:func:`set_keras_layout`.  ``call`` never converts.
"""

from __future__ import annotations

import torch


def set_keras_layout(param, to_keras, from_keras) -> None:
    """Declare that ``param`` is stored in a torch-friendly layout, not Keras's.

    ``to_keras(tensor)`` returns the value in Keras's layout (what
    ``get_weights`` and weight files hold); ``from_keras(tensor)`` is its
    inverse.  Conversion happens only at these edges, never per call.
    """
    param._to_keras = to_keras
    param._from_keras = from_keras


def keras_value(param) -> torch.Tensor:
    """The weight's value in Keras's layout (detached)."""
    value = param.detach()
    convert = getattr(param, "_to_keras", None)
    return convert(value) if convert is not None else value


def keras_shape(param) -> tuple:
    """The weight's shape in Keras's layout."""
    return tuple(keras_value(param).shape) if hasattr(param, "_to_keras") else tuple(param.shape)


def assign_keras_value(param, value) -> None:
    """Assign a value given in Keras's layout to ``param`` (converting to its storage layout)."""
    value = torch.as_tensor(value)
    convert = getattr(param, "_from_keras", None)
    if convert is not None:
        value = convert(value)
    with torch.no_grad():
        param.copy_(value.to(dtype=param.dtype, device=param.device))
