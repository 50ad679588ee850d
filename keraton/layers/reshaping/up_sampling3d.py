"""``UpSampling3D``: repeat volumes along their three spatial axes (Keras's ``UpSampling3D``)."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.reshaping.base_up_sampling import repeat_axes, scaled
from keraton.utils.argument_validation import standardize_data_format, standardize_tuple


class UpSampling3D(Layer):
    """Repeat each voxel ``size`` times along the three spatial axes, as ``keras.layers.UpSampling3D``.

    Args:
        size: int or 3 ints, the factors (default ``(2, 2, 2)``).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Example:
        >>> keraton.layers.UpSampling3D()(torch.zeros(1, 2, 2, 2, 3)).shape
        torch.Size([1, 4, 4, 4, 3])
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def call(self, inputs):
        """Repeat along the three spatial axes."""
        return repeat_axes(inputs, 1 if self.data_format == "channels_last" else 2, self.size)

    def compute_output_shape(self, input_shape):
        """The spatial sizes multiplied by ``size``."""
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i in range(3):
            shape[first + i] = scaled(shape[first + i], self.size[i])
        return tuple(shape)

    def get_config(self) -> dict:
        """Keras 3's config: size, data_format."""
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
