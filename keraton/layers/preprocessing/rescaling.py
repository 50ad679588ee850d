"""``Rescaling``: multiply inputs by ``scale`` and add ``offset``."""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend
from keraton.layers.layer import Layer


def _serialize_value(value):
    """Keras's serialized form of a scale/offset: the number, or a ``__numpy__`` record for arrays."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        array = np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value)
        return {"class_name": "__numpy__",
                "config": {"value": array.tolist(), "dtype": str(array.dtype)}}
    return value


def _deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.array(value["config"]["value"], dtype=value["config"]["dtype"])
    return value


class Rescaling(Layer):
    """Compute ``inputs * scale + offset`` in float32, as ``keras.layers.Rescaling``.

    ``scale`` and ``offset`` may be numbers or arrays broadcast against the
    input (per channel on the last axis).  As Keras, with
    ``image_data_format() == 'channels_first'`` an array scale of rank < 3 is
    reshaped to broadcast over the channels axis of an image.

    Args:
        scale: multiplier (e.g. ``1 / 255``).
        offset: added after scaling.

    Example:
        >>> keraton.layers.Rescaling(1 / 127.5, offset=-1)(torch.tensor([0.0, 255.0]))
        tensor([-1.,  1.])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Return ``inputs * scale + offset``."""
        dtype = self._dtype
        scale = torch.as_tensor(self.scale, dtype=dtype, device=inputs.device)
        offset = torch.as_tensor(self.offset, dtype=dtype, device=inputs.device)
        if scale.dim() > 0 and backend.image_data_format() == "channels_first":
            scale = scale.reshape(tuple(scale.shape) + (1,) * (3 - scale.dim()))
        return inputs.to(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: scale and offset (arrays as Keras's ``__numpy__`` records)."""
        config = super().get_config()
        config.update({"scale": _serialize_value(self.scale), "offset": _serialize_value(self.offset)})
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from ``get_config()``, decoding array scale/offset."""
        config = dict(config)
        config["scale"] = _deserialize_value(config["scale"])
        config["offset"] = _deserialize_value(config["offset"])
        return cls(**config)
