"""``RandomRotation``: rotate images (and their boxes and masks) by a random angle during training."""

from __future__ import annotations

import math

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import (
    FILL_MODES,
    INTERPOLATIONS,
)
from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    affine_transform as affine_transform_boxes,
)
from keraton.layers.preprocessing.image_preprocessing.box_ops import (
    boxes_in,
    boxes_out,
    with_boxes,
)
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    AffineAugmentation,
)


def check_fill_and_interpolation(layer_name: str, fill_mode: str, interpolation: str) -> None:
    """Refuse fill modes and interpolations Keras's affine layers do not know."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Layer '{layer_name}': `fill_mode` must be one of {FILL_MODES}. "
                         f"Received: fill_mode={fill_mode!r}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Layer '{layer_name}': `interpolation` must be one of {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")


class RandomRotation(AffineAugmentation):
    """Rotate each image by a random angle in training, as ``keras.layers.RandomRotation``.

    The angle is uniform in ``[lower, upper] * 360`` degrees (``factor`` ``f``
    means ``(-f, f)``, a fraction of a full turn); positive angles turn
    counter-clockwise about the image center.  Points falling outside the
    image are filled per ``fill_mode`` (Keras's ``affine_transform``
    arithmetic).  Identity in inference.  With Keras's dict input the boxes
    (in ``bounding_box_format``) become the boxes enclosing their rotated
    corners, clipped to the image (empty boxes get the label -1), and
    segmentation masks rotate with nearest sampling, as Keras.  Keras reads
    the boxes as ``xyxy`` whatever ``bounding_box_format`` says (and converts
    the result to it); keraton converts them from ``bounding_box_format``
    first, so the two agree for ``'xyxy'`` and keraton is right for the others.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[-1, 1]``.
        fill_mode: ``'reflect'`` (default), ``'wrap'``, ``'constant'`` or ``'nearest'``.
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        seed: integer seed of the layer's random generator.
        fill_value: value outside the image with ``fill_mode='constant'``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = keraton.layers.RandomRotation((0.25, 0.25))  # always 90 degrees
        >>> layer(torch.rand(1, 5, 5, 1), training=True).shape
        torch.Size([1, 5, 5, 1])
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name)
        check_fill_and_interpolation(self.name, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"angle", "rotation_matrix", "image_height", "image_width", "batch_size"}`` as Keras draws them."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        height, width = self._height_width(images.shape)
        angle = self._rand((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, self._generator_for(seed))
        return {"angle": angle.to(images.device),
                "rotation_matrix": rotation_matrix(angle, height, width).to(images.device),
                "image_height": height, "image_width": width, "batch_size": batch}

    def _affine_matrix(self, images, transformation):
        return torch.as_tensor(transformation["rotation_matrix"]).reshape(-1, 8)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """The boxes enclosing the rotated corners of ``(batch, N, 4)`` boxes, clipped to the image."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = transformation["image_height"], transformation["image_width"]
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", height, width)
        angle = torch.as_tensor(transformation["angle"])
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        boxes = affine_transform_boxes(bounding_boxes["boxes"], angle, zeros, zeros, ones, zeros, zeros,
                                       height, width)
        return boxes_out(self, with_boxes(bounding_boxes, boxes), "xyxy", height, width)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor``, ``fill_mode``, ``fill_value``, ``interpolation``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config


def rotation_matrix(degrees: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Keras's ``(batch, 8)`` transform of a rotation by ``degrees`` about the image center."""
    angle = degrees * (math.pi / 180.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    zeros = torch.zeros_like(cos)
    return torch.stack([cos, -sin, cx - cx * cos + cy * sin,
                        sin, cos, cy - cx * sin - cy * cos, zeros, zeros], dim=1)
