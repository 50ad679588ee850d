"""``RandomCrop``: crop a random ``height x width`` window in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    convert_format,
)
from keraton.layers.preprocessing.image_preprocessing.box_ops import boxes_in, with_boxes
from keraton.layers.preprocessing.image_preprocessing.image_ops import (
    aspect_ratio_crop_box,
    resize_images,
)
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
)


class RandomCrop(TransformationAugmentation):
    """Crop one random window (shared by the batch) in training, as ``keras.layers.RandomCrop``.

    In training an image larger than ``(height, width)`` is cropped at a
    uniformly drawn offset; otherwise (Keras's rule) a window starting at the
    corner of the centered box of the target's aspect ratio is taken and
    resized (bilinear) to ``(height, width)``.  In inference
    the images come back unchanged, as Keras 3 does (so the output size then
    differs from the training output size).

    With Keras's dict input, boxes (in ``bounding_box_format``) are shifted
    by the crop offset with coordinates floored at 0, as Keras (no clipping
    at the far side, no rescaling when the window was resized), and
    segmentation masks are cropped as the images (returned in the layer's
    float dtype, as Keras).  Keras 3.15.1 subtracts the vertical offset from
    the x coordinates and the horizontal one from the y coordinates; keraton
    subtracts each from its own axis (the two agree when both offsets are
    equal).

    Args:
        height, width: size of the crop.
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = keraton.layers.RandomCrop(4, 4, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 4, 4, 3])
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's ``(h_start, w_start)`` of the window: random in training when the image is larger, else
        the corner of the centered box of the target's aspect ratio."""
        images = data["images"] if isinstance(data, dict) else data
        in_height, in_width = self._height_width(images.shape)
        if training and in_height > self.height and in_width > self.width:
            generator = self._generator_for(seed)
            top = int(self._rand((), 0.0, float(in_height - self.height + 1), generator))
            left = int(self._rand((), 0.0, float(in_width - self.width + 1), generator))
            return top, left
        top, left, _, _ = aspect_ratio_crop_box(in_height, in_width, self.height, self.width)
        return top, left

    def transform_images(self, images, transformation, training=True):
        """Crop the ``(height, width)`` window at ``transformation`` (resized when the image is smaller)."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training:
            return images
        top, left = (int(v) for v in transformation)
        x = self._channels_last(images)[:, top:top + self.height, left:left + self.width, :]
        if tuple(x.shape[1:3]) != (self.height, self.width):
            x = resize_images(x, (self.height, self.width), layer_name=self.name).to(self._dtype)
        return self._from_channels_last(x)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks are cropped as the images (in the layer's float dtype, as Keras)."""
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Shift ``(batch, N, 4)`` boxes by the window's offset, floored at 0 (Keras's rule)."""
        if not training:
            return bounding_boxes
        top, left = (float(v) for v in transformation)
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", self.height, self.width)
        offset = torch.tensor([left, top, left, top], dtype=bounding_boxes["boxes"].dtype)
        boxes = torch.clamp(bounding_boxes["boxes"] - offset, min=0)
        return convert_format(with_boxes(bounding_boxes, boxes), "xyxy", self.bounding_box_format,
                              self.height, self.width)

    def compute_output_shape(self, input_shape):
        """The training output shape: height and width replaced by the crop size."""
        shape = list(input_shape)
        if self.data_format == "channels_last":
            shape[-3], shape[-2] = self.height, self.width
        else:
            shape[-2], shape[-1] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``height``, ``width``, ``seed``."""
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
