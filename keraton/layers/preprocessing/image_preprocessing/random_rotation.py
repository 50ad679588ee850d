"""``RandomRotation``: rotate images by a random angle during training."""

from __future__ import annotations

import math

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import (
    FILL_MODES,
    INTERPOLATIONS,
    affine_transform,
)
from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
    standardize_factor,
)


def check_fill_and_interpolation(layer_name: str, fill_mode: str, interpolation: str) -> None:
    """Refuse fill modes and interpolations Keras's affine layers do not know."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Layer '{layer_name}': `fill_mode` must be one of {FILL_MODES}. "
                         f"Received: fill_mode={fill_mode!r}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Layer '{layer_name}': `interpolation` must be one of {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")


class RandomRotation(BaseRandomAugmentation):
    """Rotate each image by a random angle in training, as ``keras.layers.RandomRotation``.

    The angle is uniform in ``[lower, upper] * 360`` degrees (``factor`` ``f``
    means ``(-f, f)``, a fraction of a full turn); positive angles turn
    counter-clockwise about the image center.  Points falling outside the
    image are filled per ``fill_mode`` (Keras's ``affine_transform``
    arithmetic).  Identity in inference.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[-1, 1]``.
        fill_mode: ``'reflect'`` (default), ``'wrap'``, ``'constant'`` or ``'nearest'``.
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        seed: integer seed of the layer's random generator.
        fill_value: value outside the image with ``fill_mode='constant'``.

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

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        batch, height, width = images.shape[:3]
        degrees = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        transform = rotation_matrix(degrees.to(images.dtype), height, width)
        return affine_transform(images, transform.to(images.device), self.interpolation,
                                self.fill_mode, self.fill_value)

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
