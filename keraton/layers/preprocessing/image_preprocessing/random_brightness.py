"""``RandomBrightness``: add a random offset to every pixel of each image in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    per_image,
    standardize_value_range,
    uniform,
)


class RandomBrightness(BaseColorAugmentation):
    """Randomly adjust brightness in training, as ``keras.layers.RandomBrightness``.

    Per image, ``clip(x + d, *value_range)`` with
    ``d = u * (value_range[1] - value_range[0])`` and ``u`` uniform in
    ``factor``'s ``(lower, upper)``: ``-1`` makes the image black, ``1``
    white.  A number ``f`` (in ``[-1, 1]``) means ``(-|f|, |f|)``.  Identity
    in inference.  Integer images come back as floats (Keras keeps the integer
    dtype and truncates ``d``).

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[-1, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomBrightness(0.2, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255, training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        # Keras's base layer reads a falsy factor (None, 0) as 0.0.
        self.factor = standardize_factor(factor or 0.0, "factor", self.name)
        self.value_range = standardize_value_range(value_range, self.name)

    def _draw(self, batch_size, generator):
        delta = uniform((batch_size, 1, 1, 1), self.factor[0], self.factor[1], generator)
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def _transform(self, images, transformation):
        images = images + per_image(transformation["rgb_delta"], images)
        return torch.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (sorted list), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
