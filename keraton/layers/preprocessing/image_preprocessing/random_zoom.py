"""``RandomZoom``: zoom images in or out by a random factor during training."""

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


class RandomZoom(BaseRandomAugmentation):
    """Zoom each image by a random factor in training, as ``keras.layers.RandomZoom``.

    Per image the height is scaled by ``1 + u``, ``u`` uniform in
    ``height_factor``'s ``(lower, upper)`` (a number ``f`` means ``(-f, f)``);
    positive values zoom out, negative zoom in.  The width uses
    ``width_factor``, or the height's draw when it is ``None`` (aspect kept).
    Identity in inference.

    Args:
        height_factor, width_factor: numbers or pairs in ``[-1, 1]``.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.

    Example:
        >>> layer = keraton.layers.RandomZoom((-0.5, -0.5))  # always 2x zoom in
        >>> layer(torch.rand(1, 8, 8, 3), training=True).shape
        torch.Size([1, 8, 8, 3])
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height_range = standardize_factor(height_factor, "height_factor", self.name)
        self._width_range = (standardize_factor(width_factor, "width_factor", self.name)
                             if width_factor is not None else None)
        check_fill_and_interpolation(self.name, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        batch, height, width = images.shape[:3]
        low, high = self._height_range
        zoom_y = self._uniform((batch,), 1.0 + low, 1.0 + high)
        if self._width_range is not None:
            zoom_x = self._uniform((batch,), 1.0 + self._width_range[0], 1.0 + self._width_range[1])
        else:
            zoom_x = zoom_y
        zeros = torch.zeros_like(zoom_x)
        transform = torch.stack([zoom_x, zeros, (width - 1) / 2.0 * (1.0 - zoom_x),
                                 zeros, zoom_y, (height - 1) / 2.0 * (1.0 - zoom_y), zeros, zeros], dim=1)
        return affine_transform(images, transform.to(images.device), self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self) -> dict:
        """Keras's config: the factors as given, fill and interpolation settings, ``seed``."""
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config
