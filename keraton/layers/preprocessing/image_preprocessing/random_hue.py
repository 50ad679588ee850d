"""``RandomHue``: rotate each image's HSV hue by a random amount in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    hsv_to_rgb,
    per_image,
    rgb_to_hsv,
    transform_value_range,
    uniform,
)


class RandomHue(BaseColorAugmentation):
    """Randomly shift hue in training, as ``keras.layers.RandomHue``.

    Per image the hue (in ``[0, 1]``, a full turn) moves by ``s * u / 2``:
    ``u`` uniform in ``factor``'s ``(lower, upper)`` and a random sign ``s``,
    so ``factor = 1`` reaches half a turn either way.  A number ``f`` (in
    ``[0, 1]``) means ``(0, f)``.  The images are mapped from ``value_range``
    to ``[0, 1]``, shifted in HSV, clipped and mapped back.  Identity in
    inference.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[0, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``;
            kept as given, unsorted, as Keras).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomHue(0.5, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255, training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name, bounds=(0, 1))
        self.value_range = value_range

    def _draw(self, batch_size, generator):
        sign = torch.where(uniform((batch_size,), 0.0, 1.0, generator) > 0.5, -1.0, 1.0)
        factor = uniform((batch_size,), self.factor[0], self.factor[1], generator)
        return {"factor": sign * factor * 0.5}

    def _transform(self, images, transformation):
        images = transform_value_range(images, self.value_range, (0, 1))
        shift = per_image(transformation["factor"], images).reshape(-1, 1, 1)
        hue, saturation, value = rgb_to_hsv(images).unbind(dim=-1)
        hue = hue + shift
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        images = torch.clip(hsv_to_rgb(torch.stack([hue, saturation, value], dim=-1)), 0, 1)
        return transform_value_range(images, (0, 1), self.value_range).to(self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (as given), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
