"""``RandomTranslation``: shift images by a random offset during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import affine_transform
from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
    standardize_factor,
)
from keraton.layers.preprocessing.image_preprocessing.random_rotation import (
    check_fill_and_interpolation,
)


class RandomTranslation(BaseRandomAugmentation):
    """Shift each image by a random offset in training, as ``keras.layers.RandomTranslation``.

    Per image the vertical shift is ``u * height`` pixels, ``u`` uniform in
    ``height_factor``'s ``(lower, upper)`` (a number ``f`` means ``(-f, f)``;
    positive moves the content down), and likewise for the width (positive
    moves it right).  Identity in inference.

    Args:
        height_factor, width_factor: numbers or pairs in ``[-1, 1]``.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.

    Example:
        >>> layer = keraton.layers.RandomTranslation((0.25, 0.25), 0.0, fill_mode="constant")
        >>> layer(torch.ones(1, 4, 4, 1), training=True)[0, :, 0, 0]
        tensor([0., 1., 1., 1.])
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height_range = standardize_factor(height_factor, "height_factor", self.name)
        self._width_range = standardize_factor(width_factor, "width_factor", self.name)
        check_fill_and_interpolation(self.name, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        batch, height, width = images.shape[:3]
        dy = self._uniform((batch,), *self._height_range) * height
        dx = self._uniform((batch,), *self._width_range) * width
        ones, zeros = torch.ones_like(dx), torch.zeros_like(dx)
        transform = torch.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], dim=1)
        return affine_transform(images, transform.to(images.device), self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self) -> dict:
        """Keras's config: the factors as given, fill and interpolation settings, ``seed``."""
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config
