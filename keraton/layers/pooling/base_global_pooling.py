"""``BaseGlobalPooling``: the shared machinery of the global pooling layers (Keras's ``BaseGlobalPooling``)."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.utils.argument_validation import standardize_data_format


class BaseGlobalPooling(Layer):
    """Reduce all spatial axes of the input by ``_reduce`` (max or mean), as Keras's ``BaseGlobalPooling``.

    With ``keepdims=True`` the spatial axes stay, with size 1.

    Example:
        >>> keraton.layers.GlobalMaxPooling2D()(torch.zeros(2, 4, 4, 3)).shape
        torch.Size([2, 3])
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self._rank = pool_dimensions
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + pool_dimensions))
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def compute_output_shape(self, input_shape):
        """``(batch, channels)``, or with the spatial axes kept as 1 when ``keepdims``."""
        channels_last = self.data_format == "channels_last"
        channels = input_shape[-1] if channels_last else input_shape[1]
        if not self.keepdims:
            return (input_shape[0], channels)
        ones = (1,) * self._rank
        if channels_last:
            return (input_shape[0],) + ones + (channels,)
        return (input_shape[0], channels) + ones

    def get_config(self) -> dict:
        """Keras 3's config: data_format, keepdims."""
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, data_format={self.data_format!r}, keepdims={self.keepdims}"
