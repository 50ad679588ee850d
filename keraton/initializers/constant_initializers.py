"""Deterministic initializers of ``keras.initializers``: Zeros, Ones, Constant, Identity."""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend
from keraton.initializers.initializer import Initializer, _shape
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


class Zeros(Initializer):
    """Tensor of zeros (any dtype; default ``floatx()``), as ``keras.initializers.Zeros``."""

    def __call__(self, shape, dtype=None):
        """Return ``torch.zeros(shape)`` of ``dtype``."""
        return torch.zeros(_shape(shape), dtype=backend.torch_dtype(dtype))


class Ones(Initializer):
    """Tensor of ones (any dtype; default ``floatx()``), as ``keras.initializers.Ones``."""

    def __call__(self, shape, dtype=None):
        """Return ``torch.ones(shape)`` of ``dtype``."""
        return torch.ones(_shape(shape), dtype=backend.torch_dtype(dtype))


class Constant(Initializer):
    """Tensor filled with ``value``, as ``keras.initializers.Constant``.

    ``value`` is normally a scalar; like Keras (``value * ones(shape)``) an array
    broadcastable to ``shape`` also works.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        """Return a tensor of ``shape`` filled with (broadcast) ``value``."""
        dtype = backend.torch_dtype(dtype)
        shape = _shape(shape)
        value = self.value
        if isinstance(value, (int, float, bool, np.generic)):
            return torch.full(shape, value.item() if isinstance(value, np.generic) else value,
                              dtype=dtype)
        value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
        return torch.broadcast_to(value.to(dtype), shape).clone()

    def get_config(self) -> dict:
        """Return ``{"value": value}`` (arrays become nested lists)."""
        return {"value": serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config: dict):
        """Build back from ``{"value": ...}``, accepting Keras's serialized values."""
        value = config.get("value", 0.0)
        if isinstance(value, dict):
            value = deserialize_keras_object(value)
        return cls(value)


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only, may be rectangular), as Keras."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        """Return ``gain * eye(rows, cols)``; raises ``ValueError`` for non-2-D shapes."""
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return self.gain * torch.eye(*shape, dtype=backend.torch_dtype(dtype))

    def get_config(self) -> dict:
        """Return ``{"gain": gain}``."""
        return {"gain": self.gain}
