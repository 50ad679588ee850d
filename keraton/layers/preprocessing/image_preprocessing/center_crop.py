"""``CenterCrop``: crop the central part of images to a fixed size."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.image_preprocessing.image_ops import resize_images
from keraton.utils.argument_validation import standardize_data_format


class CenterCrop(Layer):
    """Crop the center ``(height, width)`` of images, as ``keras.layers.CenterCrop``.

    The crop starts at ``(input_height - height) // 2`` and ``(input_width -
    width) // 2``.  An image smaller than the target on either side is, as in
    Keras, center-cropped to the target aspect ratio and resized (bilinear)
    instead.  Accepts batches or single images; the output is float32.

    Args:
        height, width: output size.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> keraton.layers.CenterCrop(2, 2)(torch.rand(1, 4, 5, 3)).shape
        torch.Size([1, 2, 2, 3])
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = height
        self.width = width
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self.built = True

    def call(self, inputs):
        """Return the central crop (or the aspect-preserving resize of a too-small image)."""
        if inputs.dim() not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}' (CenterCrop) expects images of rank 3 or 4, got input of "
                f"shape {tuple(inputs.shape)}."
            )
        inputs = inputs.to(self._dtype)
        h_axis = inputs.dim() - (3 if self.data_format == "channels_last" else 2)
        h_diff = inputs.shape[h_axis] - self.height
        w_diff = inputs.shape[h_axis + 1] - self.width
        if h_diff >= 0 and w_diff >= 0:
            out = inputs.narrow(h_axis, h_diff // 2, self.height)
            return out.narrow(h_axis + 1, w_diff // 2, self.width)
        return resize_images(inputs, (self.height, self.width), "bilinear",
                             crop_to_aspect_ratio=True, data_format=self.data_format,
                             layer_name=self.name)

    def compute_output_shape(self, input_shape):
        """The input shape with the height and width replaced."""
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}' (CenterCrop) expects images of rank 3 or 4, got input shape "
                f"{tuple(input_shape)}."
            )
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        """Keras 3's CenterCrop config."""
        config = super().get_config()
        config.update({"data_format": self.data_format, "height": self.height, "width": self.width})
        return config
