"""``RandomInvert``: invert the pixel values of randomly chosen images in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    as_tensor,
    uniform,
)


class RandomInvert(BaseColorAugmentation):
    """Randomly invert images in training, as ``keras.layers.RandomInvert``.

    An image becomes ``value_range[1] - x``.  As Keras, each image draws an
    inversion probability ``p`` uniformly in ``factor``'s ``(lower, upper)``
    and is inverted when a second uniform draw falls below ``p``; a number
    ``f`` (in ``[0, 1]``) means ``(0, f)``, so the default ``factor=1.0``
    inverts half of the images on average and ``factor=(1.0, 1.0)`` inverts
    them all.  Identity in inference.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[0, 1]`` (default 1.0).
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``;
            kept as given, as Keras).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = keraton.layers.RandomInvert((1.0, 1.0), value_range=(0, 1))
        >>> layer(torch.full((1, 2, 2, 3), 0.25), training=True)[0, 0, 0]
        tensor([0.7500, 0.7500, 0.7500])
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name, bounds=(0, 1))
        self.value_range = value_range

    def _draw(self, batch_size, generator):
        probability = uniform((batch_size,), self.factor[0], self.factor[1], generator)
        threshold = uniform((batch_size,), 0.0, 1.0, generator)
        return {"apply_inversion": threshold < probability}

    def _transform(self, images, transformation):
        apply = as_tensor(transformation["apply_inversion"], images, torch.bool).reshape(-1, 1, 1, 1)
        return torch.where(apply, self.value_range[1] - images, images)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (as given), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
