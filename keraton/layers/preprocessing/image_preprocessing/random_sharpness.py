"""``RandomSharpness``: blend each image with a smoothed copy by a random amount in training."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    per_image,
    standardize_value_range,
    uniform,
)

# Keras's (PIL's) smoothing kernel: 1/13 around a 5/13 centre; it sums to 1.
_A, _B = 1.0 / 13.0, 5.0 / 13.0
_SMOOTH = ((_A, _A, _A), (_A, _B, _A), (_A, _A, _A))


class RandomSharpness(BaseColorAugmentation):
    """Randomly change sharpness in training, as ``keras.layers.RandomSharpness``.

    Per image, ``clip(x + (1 - 2u) * (smooth(x) - x), *value_range)``, with
    ``smooth`` a 3x3 per-channel blur (zero padding, as Keras) and ``u``
    uniform in ``factor``'s ``(lower, upper)``: ``u = 0`` is the blurred
    image, ``u = 0.5`` the original, ``u = 1`` a sharpened one.  A number
    ``f`` (in ``[0, 1]``) means ``(0, f)``.  Identity in inference.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[0, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomSharpness((0.5, 0.5))  # u = 0.5: unchanged
        >>> x = torch.rand(2, 8, 8, 3) * 255
        >>> torch.allclose(layer(x, training=True), x)
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name, bounds=(0, 1))
        self.value_range = standardize_value_range(value_range, self.name)

    def _draw(self, batch_size, generator):
        return {"factor": uniform((batch_size,), self.factor[0], self.factor[1], generator)}

    def _transform(self, images, transformation):
        sharpness = per_image(transformation["factor"], images) * 2
        channels = images.shape[-1]
        kernel = torch.tensor(_SMOOTH, dtype=images.dtype, device=images.device)
        kernel = kernel.expand(channels, 1, 3, 3)
        smoothed = F.conv2d(images.permute(0, 3, 1, 2), kernel, padding=1, groups=channels)
        smoothed = smoothed.permute(0, 2, 3, 1)
        images = images + (1.0 - sharpness) * (smoothed - images)
        return torch.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (sorted list), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
