"""``Flatten``: collapse all but the batch dimension (Keras's ``Flatten``)."""

from __future__ import annotations

import math

from keraton import backend
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer


class Flatten(Layer):
    """Flatten the input to ``(batch, -1)``, as ``keras.layers.Flatten``.

    With ``data_format='channels_first'`` the channel axis is moved last
    before flattening, so the element order matches a channels_last model, as
    in Keras.

    Example:
        >>> keraton.layers.Flatten()(torch.zeros(2, 3, 4)).shape
        torch.Size([2, 12])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or backend.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"Flatten `data_format` must be 'channels_last' or 'channels_first', got {data_format!r}."
            )
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        """Return the input reshaped to ``(batch, -1)``."""
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        """``(batch, product of the other dimensions)``; unknown if any is unknown."""
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self) -> dict:
        """Keras's config: data_format."""
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
