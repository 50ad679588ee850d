"""``RandomPosterization``: keep only the top bits of each pixel value in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    as_tensor,
    standardize_value_range,
    transform_value_range,
)

_MAX_BITS = 8


class RandomPosterization(BaseColorAugmentation):
    """Randomly posterize images in training, as ``keras.layers.RandomPosterization``.

    The images are mapped from ``value_range`` to ``[0, 255]``, cast to
    ``uint8`` (truncation), reduced to their ``b`` most significant bits and
    mapped back.  A number ``f`` (in ``[1, 8]``) means ``(1, f)``; ``b`` is an
    integer drawn in ``[lower, upper)`` (upper excluded, as Keras), or
    ``lower`` when both are equal.  Identity in inference.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[1, 8]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomPosterization((1, 1))  # one bit: 0 or 128
        >>> layer(torch.tensor([[[[100.0], [200.0]]]]), training=True).flatten()
        tensor([  0., 128.])
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name, bounds=(1, _MAX_BITS))
        self.value_range = standardize_value_range(value_range, self.name)

    def _draw(self, batch_size, generator):
        low, high = int(self.factor[0]), int(self.factor[1])
        if self.factor[0] != self.factor[1]:
            bits = torch.randint(low, high, (batch_size,), generator=generator)
        else:
            bits = torch.full((batch_size,), low)
        return {"shift_factor": (_MAX_BITS - bits).to(torch.uint8)}

    def _transform(self, images, transformation):
        shift = as_tensor(transformation["shift_factor"], images, torch.uint8).reshape(-1, 1, 1, 1)
        values = transform_value_range(images, self.value_range, (0, 255)).to(torch.uint8)
        values = torch.bitwise_left_shift(torch.bitwise_right_shift(values, shift), shift)
        images = transform_value_range(values.to(self._dtype), (0, 255), self.value_range)
        return images.to(self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (sorted list), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
