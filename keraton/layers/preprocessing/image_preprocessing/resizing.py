"""``Resizing``: resize images to a fixed height and width."""

from __future__ import annotations

import torch

from keraton import backend
from keraton.layers.input_spec import InputSpec
from keraton.layers.preprocessing.image_preprocessing.base_image_preprocessing import (
    ImagePreprocessingLayer,
)
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    clip_to_image_size,
    convert_format,
)
from keraton.layers.preprocessing.image_preprocessing.box_ops import boxes_in, with_boxes
from keraton.layers.preprocessing.image_preprocessing.image_ops import (
    RESIZE_INTERPOLATIONS,
    resize_images,
)


class Resizing(ImagePreprocessingLayer):
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

    Keras's dict input is taken in training and inference alike: boxes (in
    ``bounding_box_format``) are scaled as the image (stretched, or through
    the aspect-ratio crop / padding), clipped to the output (empty boxes get
    the label -1; all-zero and all-minus-one padding boxes become zeros), and
    segmentation masks are resized with ``'nearest'`` in their own dtype.

    Args:
        height, width: output size.
        interpolation: ``'bilinear'`` (default), ``'nearest'`` or ``'bicubic'``.
        crop_to_aspect_ratio: center-crop to the target aspect ratio first.
        pad_to_aspect_ratio: pad (with ``fill_value``) to the aspect ratio first.
        fill_mode: only ``'constant'``.
        fill_value: padding value.
        antialias: antialias when downsampling (bilinear/bicubic).
        data_format: ``'channels_last'`` or ``'channels_first'``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> keraton.layers.Resizing(2, 3)(torch.rand(1, 4, 6, 3)).shape
        torch.Size([1, 2, 3, 3])
    """

    _always_active = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
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
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self.built = True

    def call(self, inputs, training=True):
        """Return the resized images (or Keras's dict with boxes and masks moved along)."""
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training=True)
        return self.transform_images(inputs)

    def _standardize_images(self, images, training):
        images = torch.as_tensor(images)
        if images.is_floating_point() and images.dtype != self._dtype:
            images = images.to(self._dtype)
        return images

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's ``(input_height, input_width)`` (nothing is random)."""
        images = data["images"] if isinstance(data, dict) else data
        return self._height_width(images.shape)

    def _apply_images(self, images, transformation):
        return self.transform_images(images, transformation)

    def _resize(self, images, interpolation):
        return resize_images(images, (self.height, self.width), interpolation, self.antialias,
                             self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_value,
                             self.data_format, layer_name=self.name)

    def transform_images(self, images, transformation=None, training=True):
        """Resize a batch or an image in the layer's data_format."""
        return self._resize(self._standardize_images(images, training), self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        """Resize masks with ``'nearest'``, keeping their dtype (Keras)."""
        return self._resize(torch.as_tensor(segmentation_masks), "nearest")

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Scale ``(batch, N, 4)`` boxes as the images, clip them to the output (Keras's arithmetic)."""
        input_height, input_width = transformation
        raw = torch.as_tensor(bounding_boxes["boxes"])
        padding = torch.all(raw == -1, dim=-1) | torch.all(raw == 0, dim=-1)
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", input_height, input_width)
        boxes = self._scale_xyxy(bounding_boxes["boxes"], float(input_height), float(input_width))
        bounding_boxes = clip_to_image_size(with_boxes(bounding_boxes, boxes), self.height, self.width)
        boxes = torch.where(padding.unsqueeze(-1), torch.zeros_like(bounding_boxes["boxes"]),
                            bounding_boxes["boxes"])
        return convert_format(with_boxes(bounding_boxes, boxes), "xyxy", self.bounding_box_format,
                              self.height, self.width)

    def _scale_xyxy(self, boxes, input_height: float, input_width: float):
        dtype = boxes.dtype
        if self.pad_to_aspect_ratio:
            ratio = min(torch.tensor(self.height / input_height, dtype=dtype),
                        torch.tensor(self.width / input_width, dtype=dtype))
            y_offset = (self.height - input_height * ratio) // 2
            x_offset = (self.width - input_width * ratio) // 2
            scale_x = scale_y = ratio
        elif self.crop_to_aspect_ratio:
            in_height, in_width = torch.tensor(input_height, dtype=dtype), torch.tensor(input_width, dtype=dtype)
            source_ratio = in_width / in_height
            wider = bool(source_ratio > self.width / self.height)
            new_width = self.height * source_ratio if wider else torch.tensor(self.width, dtype=dtype)
            new_height = torch.tensor(self.height, dtype=dtype) if wider else self.width / source_ratio
            scale_x, scale_y = new_width / in_width, new_height / in_height
            x_offset = -((new_width - self.width) // 2)
            y_offset = -((new_height - self.height) // 2)
        else:
            scale_x = torch.tensor(self.width / input_width, dtype=dtype)
            scale_y = torch.tensor(self.height / input_height, dtype=dtype)
            x_offset = y_offset = 0.0
        x1, y1, x2, y2 = boxes.unbind(-1)
        return torch.stack([x1 * scale_x + x_offset, y1 * scale_y + y_offset,
                            x2 * scale_x + x_offset, y2 * scale_y + y_offset], dim=-1)

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
        dtype = inputs.dtype if not backend.torch_dtype(inputs.dtype).is_floating_point else self._dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def get_config(self) -> dict:
        """Keras 3's Resizing config."""
        config = super().get_config()
        config.update({
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

