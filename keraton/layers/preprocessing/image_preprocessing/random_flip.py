"""``RandomFlip``: flip images (and their boxes and masks) left-right and/or up-down at random in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.box_ops import boxes_in, boxes_out, with_boxes
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
)

_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(TransformationAugmentation):
    """Randomly flip each image in training, as ``keras.layers.RandomFlip``.

    Each image is flipped with probability 1/2; in
    ``'horizontal_and_vertical'`` mode the same draw flips both axes (Keras's
    rule: the image is either kept or rotated by 180 degrees).  Identity in
    inference.  With Keras's dict input the boxes (in ``bounding_box_format``)
    and segmentation masks are flipped with their image; boxes left empty get
    the label -1, as Keras's ``clip_to_image_size`` does.

    Args:
        mode: ``'horizontal'``, ``'vertical'`` or ``'horizontal_and_vertical'`` (default).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = keraton.layers.RandomFlip("horizontal", seed=0)
        >>> layer(torch.rand(8, 32, 32, 3), training=True).shape
        torch.Size([8, 32, 32, 3])
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in _MODES:
            raise ValueError(f"Layer '{self.name}': `mode` must be one of {_MODES}. Received: mode={mode!r}")
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"flips": (batch, 1, 1, 1) bool, "input_shape": ...}`` as Keras draws it."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        flips = self._rand(flips_shape, 0.0, 1.0, self._generator_for(seed)) <= 0.5
        return {"flips": flips.to(images.device), "input_shape": shape}

    def _horizontal(self) -> bool:
        return self.mode in ("horizontal", "horizontal_and_vertical")

    def _vertical(self) -> bool:
        return self.mode in ("vertical", "horizontal_and_vertical")

    def transform_images(self, images, transformation, training=True):
        """Flip the images drawn for it (a ``(batch, ...)`` tensor in the layer's data_format)."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        flips = torch.as_tensor(transformation["flips"]).to(images.device)
        height_axis, width_axis, _ = self._spatial_axes()
        if self._horizontal():
            images = torch.where(flips, images.flip(width_axis), images)
        if self._vertical():
            images = torch.where(flips, images.flip(height_axis), images)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks flip as the images (and, as Keras, come back in the layer's float dtype)."""
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Mirror the ``(batch, N, 4)`` boxes of the flipped images (Keras's arithmetic, in ``rel_xyxy``)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        flips = torch.as_tensor(transformation["flips"]).reshape(-1, 1, 1)
        bounding_boxes = boxes_in(self, bounding_boxes, "rel_xyxy", height, width)
        boxes = bounding_boxes["boxes"]
        flips = flips.to(boxes.device)
        if self._horizontal():
            x1, y1, x2, y2 = boxes.unbind(-1)
            boxes = torch.where(flips, torch.stack([1 - x2, y1, 1 - x1, y2], dim=-1), boxes)
        if self._vertical():
            x1, y1, x2, y2 = boxes.unbind(-1)
            boxes = torch.where(flips, torch.stack([x1, 1 - y2, x2, 1 - y1], dim=-1), boxes)
        return boxes_out(self, with_boxes(bounding_boxes, boxes), "rel_xyxy", height, width)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``seed``, ``mode`` (and ``bounding_box_format`` when set)."""
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
