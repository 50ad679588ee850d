"""``RandomContrast``: scale each image's deviation from its mean by a random factor in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
    standardize_factor,
)


class RandomContrast(BaseRandomAugmentation):
    """Randomly adjust contrast in training, as ``keras.layers.RandomContrast``.

    Per image, ``(x - mean) * f + mean`` with the mean per channel over
    height and width and ``f`` uniform in ``[1 - lower, 1 + upper]``, then
    clipped to ``value_range``.  As Keras, ``factor`` ``f`` (bounds ``[0, 1]``)
    becomes ``(lower, upper) = (0, f)``.  Identity in inference.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[0, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomContrast(0.5, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255, training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name, bounds=(0.0, 1.0))
        self.value_range = value_range

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        factor = self._uniform((images.shape[0], 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1])
        factor = factor.to(images.dtype).to(images.device)
        mean = images.mean(dim=(1, 2), keepdim=True)
        out = (images - mean) * factor + mean
        return out.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (as the pair), ``value_range``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
