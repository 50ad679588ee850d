"""``UpSampling2D``: enlarge images by integer factors, nearest or bilinear (Keras's ``UpSampling2D``)."""

from __future__ import annotations

import torch.nn.functional as F

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.reshaping.base_up_sampling import repeat_axes, scaled
from keraton.utils.argument_validation import standardize_data_format, standardize_tuple

_INTERPOLATIONS = ("nearest", "bilinear")


class UpSampling2D(Layer):
    """Upsample the rows and columns of images by ``size``, as ``keras.layers.UpSampling2D``.

    ``'nearest'`` repeats each pixel (exactly Keras's ``ops.repeat``);
    ``'bilinear'`` resizes as Keras's ``ops.image.resize`` (half-pixel
    centres, ``align_corners=False``).  Channels_last inputs are resized
    through a channels_last-format view, without a layout copy.

    Args:
        size: int or 2 ints, the row and column factors (default ``(2, 2)``).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.
        interpolation: ``'nearest'`` (default) or ``'bilinear'``.

    Example:
        >>> keraton.layers.UpSampling2D()(torch.zeros(1, 2, 3, 4)).shape
        torch.Size([1, 4, 6, 4])
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D `interpolation` must be one of {_INTERPOLATIONS}, "
                             f"got {interpolation!r}.")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        """Upsample the two spatial axes."""
        channels_last = self.data_format == "channels_last"
        if self.interpolation == "nearest":
            return repeat_axes(inputs, 1 if channels_last else 2, self.size)
        x = inputs.permute(0, 3, 1, 2) if channels_last else inputs
        out_size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        out = F.interpolate(x, size=out_size, mode="bilinear", align_corners=False)
        return out.permute(0, 2, 3, 1) if channels_last else out

    def compute_output_shape(self, input_shape):
        """The spatial sizes multiplied by ``size``."""
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i in range(2):
            shape[first + i] = scaled(shape[first + i], self.size[i])
        return tuple(shape)

    def get_config(self) -> dict:
        """Keras 3's config: size, data_format, interpolation."""
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config
