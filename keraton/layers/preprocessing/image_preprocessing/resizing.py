"""``Resizing``: resize images to a fixed height and width."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.image_preprocessing.image_ops import (
    RESIZE_INTERPOLATIONS,
    resize_images,
)
from keraton.utils.argument_validation import standardize_data_format


class Resizing(Layer):
    """Resize images to ``(height, width)``, as ``keras.layers.Resizing`` on the torch backend.

    Accepts batches ``(batch, height, width, channels)`` or single images
    ``(height, width, channels)`` (channels first with
    ``data_format='channels_first'``).  Bilinear and bicubic use half-pixel
    centers without antialiasing (``F.interpolate(align_corners=False,
    antialias=False)``, exactly Keras 3's torch backend); ``'nearest'`` is
    torch's ``'nearest-exact'``.  Keras's TensorFlow backend resizes with
    ``tf.image.resize``: bilinear agrees, bicubic differs slightly (Keys'
    ``a=-0.5`` vs torch's ``a=-0.75``) and 'area'/'lanczos' are TensorFlow
    only; they are refused here, as by Keras on torch.

    Integer images come back rounded in their own dtype; float images as
    float32 (the layer's dtype).

    Args:
        height, width: output size.
        interpolation: ``'bilinear'`` (default), ``'nearest'`` or ``'bicubic'``.
        crop_to_aspect_ratio: center-crop to the target aspect ratio first.
        pad_to_aspect_ratio: pad (with ``fill_value``) to the aspect ratio first.
        fill_mode: only ``'constant'``.
        fill_value: padding value.
        antialias: antialias when downsampling (bilinear/bicubic).
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> keraton.layers.Resizing(2, 3)(torch.rand(1, 4, 6, 3)).shape
        torch.Size([1, 2, 3, 3])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        if interpolation not in RESIZE_INTERPOLATIONS:
            raise ValueError(
                f"Resizing: invalid value for argument `interpolation`: expected one of "
                f"{sorted(RESIZE_INTERPOLATIONS)}, received interpolation={interpolation!r}."
            )
        if fill_mode != "constant":
            raise ValueError(
                f"Resizing: only fill_mode='constant' is supported, received fill_mode={fill_mode!r}."
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` "
                             "can be True.")
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.data_format = standardize_data_format(data_format)
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self.built = True

    def call(self, inputs):
        """Return the resized images."""
        if inputs.is_floating_point() and inputs.dtype != self._dtype:
            inputs = inputs.to(self._dtype)
        return resize_images(inputs, (self.height, self.width), self.interpolation, self.antialias,
                             self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_value,
                             self.data_format, layer_name=self.name)

    def compute_output_shape(self, input_shape):
        """The input shape with the height and width replaced."""
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}' (Resizing) expects images of rank 3 or 4, got input shape "
                f"{tuple(input_shape)}."
            )
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic output: the resized shape, keeping integer dtypes (float inputs become float32)."""
        from keraton.layers.keras_tensor import KerasTensor

        inputs = args[0] if args else kwargs["inputs"]
        dtype = inputs.dtype if not inputs.dtype.is_floating_point else self._dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def get_config(self) -> dict:
        """Keras 3's Resizing config."""
        config = super().get_config()
        config.update({
            "data_format": self.data_format,
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        })
        return config

