"""``RandomColorDegeneration``: blend each image towards its grayscale version in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    per_image,
    rgb_to_grayscale,
    standardize_value_range,
    uniform,
)


class RandomColorDegeneration(BaseColorAugmentation):
    """Randomly degenerate colors in training, as ``keras.layers.RandomColorDegeneration``.

    Per image, ``clip(x + f * (gray(x) - x), *value_range)`` with ``f``
    uniform in ``factor``'s ``(lower, upper)``: ``f = 1`` is the grayscale
    image, ``f = 0`` the original, a negative ``f`` boosts the colors.  A
    number ``f`` (in ``[-1, 1]``) means ``(-|f|, |f|)``, Keras's rule.
    Identity in inference.  The images must have 3 channels.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[-1, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomColorDegeneration((1.0, 1.0))  # always gray
        >>> out = layer(torch.rand(2, 8, 8, 3) * 255, training=True)
        >>> torch.allclose(out[..., 0], out[..., 1])
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name)
        self.value_range = standardize_value_range(value_range, self.name)

    def _draw(self, batch_size, generator):
        return {"factor": uniform((batch_size, 1, 1, 1), self.factor[0], self.factor[1], generator)}

    def _transform(self, images, transformation):
        factor = per_image(transformation["factor"], images)
        images = images + factor * (rgb_to_grayscale(images) - images)
        return torch.clip(images, self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        """The input shape; as Keras, refuses images whose channel count is known and not 3."""
        if len(input_shape) not in (3, 4):
            raise ValueError(f"Layer '{self.name}': invalid images rank: expected rank 3 (single image) or "
                             f"rank 4 (batch of images). Received: input_shape={tuple(input_shape)}")
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(f"Layer '{self.name}': input images must have 3 channels, but received images "
                             f"with {channels} channels (input_shape={tuple(input_shape)}).")
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (the pair), ``value_range`` (sorted list), ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
