"""``CenterCrop``: crop the central part of images to a fixed size."""

from __future__ import annotations

import torch

from keraton.layers.input_spec import InputSpec
from keraton.layers.preprocessing.image_preprocessing.base_image_preprocessing import (
    ImagePreprocessingLayer,
)
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    convert_format,
)
from keraton.layers.preprocessing.image_preprocessing.box_ops import boxes_in, boxes_out, with_boxes
from keraton.layers.preprocessing.image_preprocessing.image_ops import (
    aspect_ratio_crop_box,
    resize_images,
)


class CenterCrop(ImagePreprocessingLayer):
    """Crop the center ``(height, width)`` of images, as ``keras.layers.CenterCrop``.

    The crop starts at ``(input_height - height) // 2`` and ``(input_width -
    width) // 2``.  An image smaller than the target on either side is, as in
    Keras, center-cropped to the target aspect ratio and resized (bilinear)
    instead.  Accepts batches or single images; the output is float32.

    Keras's dict input is taken in training and inference alike: boxes (in
    ``bounding_box_format``) are clipped to the crop window, shifted (and
    rescaled when the window is resized) and clipped to the output (empty
    boxes get the label -1); segmentation masks are cropped as the images.

    Args:
        height, width: output size.
        data_format: ``'channels_last'`` or ``'channels_first'``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> keraton.layers.CenterCrop(2, 2)(torch.rand(1, 4, 5, 3)).shape
        torch.Size([1, 2, 2, 3])
    """

    _always_active = True

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self.built = True

    def call(self, inputs, training=True):
        """Return the central crop (or the aspect-preserving resize of a too-small image); a dict as Keras."""
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training=True)
        return self.transform_images(self._standardize_images(inputs, True))

    def _standardize_images(self, images, training):
        images = torch.as_tensor(images)
        if images.dim() not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}' (CenterCrop) expects images of rank 3 or 4, got input of "
                f"shape {tuple(images.shape)}."
            )
        return images.to(self._dtype)

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"input_shape": ...}`` (nothing is random), as Keras."""
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def _apply_images(self, images, transformation):
        return self.transform_images(images, transformation)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks are cropped as the images (in the layer's float dtype, as Keras)."""
        return self.transform_images(segmentation_masks, transformation, training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Move ``(batch, N, 4)`` boxes into the crop (Keras's arithmetic, also for the resize case)."""
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", height, width)
        resized = height < self.height or width < self.width
        if not resized:
            top, left = int((height - self.height) / 2), int((width - self.width) / 2)
            crop_height, crop_width = self.height, self.width
        else:
            top, left, crop_height, crop_width = aspect_ratio_crop_box(height, width, self.height, self.width)
        x1, y1, x2, y2 = torch.split(bounding_boxes["boxes"], 1, dim=-1)
        x1, x2 = (torch.clamp(v, left, left + crop_width) - left for v in (x1, x2))
        y1, y2 = (torch.clamp(v, top, top + crop_height) - top for v in (y1, y2))
        bounding_boxes = with_boxes(bounding_boxes, torch.cat([x1, y1, x2, y2], dim=-1))
        if resized:
            bounding_boxes = convert_format(bounding_boxes, "xyxy", "rel_xyxy", crop_height, crop_width)
            bounding_boxes = convert_format(bounding_boxes, "rel_xyxy", "xyxy", self.height, self.width)
        return boxes_out(self, bounding_boxes, "xyxy", self.height, self.width)

    def transform_images(self, inputs, transformation=None, training=True):
        """Crop (or crop to the aspect ratio and resize) a batch or an image in the layer's data_format."""
        inputs = torch.as_tensor(inputs).to(self._dtype)
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
        config.update({"height": self.height, "width": self.width})
        return config
