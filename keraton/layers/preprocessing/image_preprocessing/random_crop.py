"""``RandomCrop``: crop a random ``height x width`` window in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
)
from keraton.layers.preprocessing.image_preprocessing.image_ops import resize_images


class RandomCrop(BaseRandomAugmentation):
    """Crop one random window (shared by the batch) in training, as ``keras.layers.RandomCrop``.

    In training an image larger than ``(height, width)`` is cropped at a
    uniformly drawn offset; otherwise (Keras's rule) a window starting at the
    corner of the centered box of the target's aspect ratio is taken and
    resized (bilinear) to ``(height, width)``.  In inference
    the images come back unchanged, as Keras 3 does (so the output size then
    differs from the training output size).

    Args:
        height, width: size of the crop.
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = keraton.layers.RandomCrop(4, 4, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 4, 4, 3])
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height = height
        self.width = width

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        in_height, in_width = images.shape[1], images.shape[2]
        if in_height > self.height and in_width > self.width:
            top = int(self._uniform(()) * (in_height - self.height + 1))
            left = int(self._uniform(()) * (in_width - self.width + 1))
        else:
            # Keras's start of the centered box of the target's aspect ratio.
            crop_height = max(min(in_height, int(float(in_width * self.height) / self.width)), 1)
            crop_width = max(min(in_width, int(float(in_height * self.width) / self.height)), 1)
            top, left = int(float(in_height - crop_height) / 2), int(float(in_width - crop_width) / 2)
        images = images[:, top:top + self.height, left:left + self.width, :]
        if tuple(images.shape[1:3]) != (self.height, self.width):
            images = resize_images(images, (self.height, self.width), layer_name=self.name)
        return images

    def compute_output_shape(self, input_shape):
        """The training output shape: height and width replaced by the crop size."""
        shape = list(input_shape)
        if self.data_format == "channels_last":
            shape[-3], shape[-2] = self.height, self.width
        else:
            shape[-2], shape[-1] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``height``, ``width``, ``seed``."""
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
