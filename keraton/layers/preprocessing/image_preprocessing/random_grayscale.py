"""``RandomGrayscale``: turn each image to grayscale with a given probability in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    as_tensor,
    rgb_to_grayscale,
    uniform,
)


class RandomGrayscale(BaseColorAugmentation):
    """Randomly convert images to grayscale in training, as ``keras.layers.RandomGrayscale``.

    Each image is replaced, with probability ``factor``, by its luma
    ``0.2989 R + 0.587 G + 0.114 B`` repeated on the three channels (a
    one-channel image is left as is).  Identity in inference.  Integer images
    come back as floats (Keras keeps the integer dtype).

    Args:
        factor: probability of converting an image, in ``[0, 1]`` (default 0.5).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator (not in the config, as Keras).

    Example:
        >>> layer = keraton.layers.RandomGrayscale(1.0)
        >>> out = layer(torch.rand(2, 8, 8, 3), training=True)
        >>> bool((out[..., 0] == out[..., 1]).all())
        True
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise ValueError(f"Layer '{self.name}': `factor` should be between 0 and 1. Received: factor={factor!r}")
        self.factor = factor

    def _draw(self, batch_size, generator):
        # Keras's transformation is the bare (batch, 1, 1, 1) boolean tensor.
        return (uniform((batch_size,), 0.0, 1.0, generator) < self.factor).reshape(-1, 1, 1, 1)

    def _transform(self, images, transformation):
        should_apply = as_tensor(transformation, images, torch.bool).reshape(-1, 1, 1, 1)
        return torch.where(should_apply, rgb_to_grayscale(images), images)

    def get_config(self) -> dict:
        """Keras's config: ``data_format`` and ``factor`` (no seed)."""
        config = super().get_config()
        config["factor"] = self.factor
        return config
