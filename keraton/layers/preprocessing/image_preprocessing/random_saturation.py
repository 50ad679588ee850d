"""``RandomSaturation``: scale each image's HSV saturation by a random factor in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    hsv_to_rgb,
    per_image,
    rgb_to_hsv,
    standardize_value_range,
    uniform,
)

_EPSILON = 1e-7  # keras.backend.epsilon()


class RandomSaturation(BaseColorAugmentation):
    """Randomly adjust saturation in training, as ``keras.layers.RandomSaturation``.

    Per image, ``u`` is drawn uniformly in ``factor``'s ``(lower, upper)`` and
    the HSV saturation is multiplied by ``u / (1 - u + 1e-7)``, then clipped
    to ``value_range``: ``u = 0.5`` keeps the image, ``u <= 0`` makes it gray,
    ``u`` near 1 saturates it fully.  A number ``f`` (in ``[-1, 1]``) means
    ``(-|f|, |f|)``, Keras's rule.  As Keras, the images go to HSV without
    rescaling (hue and saturation do not depend on the scale), and the
    saturation is clipped to ``value_range`` rather than to ``[0, 1]``.
    Identity in inference.  Integer images are accepted (as floats; Keras
    refuses them in training).

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[-1, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomSaturation((0.0, 0.0))  # always grayscale
        >>> out = layer(torch.rand(2, 8, 8, 3) * 255, training=True)
        >>> torch.allclose(out[..., 0], out[..., 2])
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name)
        self.value_range = standardize_value_range(value_range, self.name)

    def _draw(self, batch_size, generator):
        factor = uniform((batch_size,), self.factor[0], self.factor[1], generator)
        return {"factor": factor / (1 - factor + _EPSILON)}

    def _transform(self, images, transformation):
        factor = per_image(transformation["factor"], images).reshape(-1, 1, 1)
        hue, saturation, value = rgb_to_hsv(images).unbind(dim=-1)
        saturation = torch.clip(saturation * factor, self.value_range[0], self.value_range[1])
        return hsv_to_rgb(torch.stack([hue, saturation, value], dim=-1))

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (sorted list), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
