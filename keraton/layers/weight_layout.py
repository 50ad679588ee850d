"""Weights whose stored value differs from what Keras shows, converted at the edges.

Layers keep their weights in Keras's shapes (conv and RNN kernels too: their
*memory order* is torch's, see ``conv_utils.add_kernel``), so for nearly every
weight these functions are the identity.  ``get_weights``/``set_weights``,
``numpy()``/``assign`` and the savers still go through :func:`keras_value` and
:func:`assign_keras_value`, so that a weight declared with
:func:`set_keras_layout` (``Normalization``'s ``count``, which loaders may
hand over as shape ``(1,)``) converts in one place, never per call.
"""

from __future__ import annotations

import torch


def set_keras_layout(param, to_keras, from_keras) -> None:
    """Declare that ``param`` is stored differently from Keras's layout.

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
