"""``RandomFlip``: flip images left-right and/or up-down at random during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
)

_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseRandomAugmentation):
    """Randomly flip each image in training, as ``keras.layers.RandomFlip``.

    Each image is flipped with probability 1/2; in
    ``'horizontal_and_vertical'`` mode the same draw flips both axes (Keras's
    rule: the image is either kept or rotated by 180 degrees).  Identity in
    inference.

    Args:
        mode: ``'horizontal'``, ``'vertical'`` or ``'horizontal_and_vertical'`` (default).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = keraton.layers.RandomFlip("horizontal", seed=0)
        >>> layer(torch.rand(8, 32, 32, 3), training=True).shape
        torch.Size([8, 32, 32, 3])
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in _MODES:
            raise ValueError(f"Layer '{self.name}': `mode` must be one of {_MODES}. Received: mode={mode!r}")
        self.mode = mode

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        flips = (self._uniform((images.shape[0], 1, 1, 1)) <= 0.5).to(images.device)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = torch.where(flips, images.flip(2), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = torch.where(flips, images.flip(1), images)
        return images

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``seed``, ``mode``."""
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
