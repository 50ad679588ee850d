"""``RandomContrast``: scale each image's deviation from its mean by a random factor in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
)


class RandomContrast(TransformationAugmentation):
    """Randomly adjust contrast in training, as ``keras.layers.RandomContrast``.

    Per image, ``(x - mean) * f + mean`` with the mean per channel over
    height and width and ``f`` uniform in ``[1 - lower, 1 + upper]``, then
    clipped to ``value_range``.  As Keras, ``factor`` ``f`` (bounds ``[0, 1]``)
    becomes ``(lower, upper) = (0, f)``.  Identity in inference.  Boxes and
    segmentation masks of a dict input are returned unchanged, as Keras.

    Args:
        factor: a number or a pair ``(lower, upper)`` in ``[0, 1]``.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.RandomContrast(0.5, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255, training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = standardize_factor(factor, "factor", self.name, bounds=(0.0, 1.0))
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"contrast_factor": (batch, 1, 1, 1)}`` as Keras draws it."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        factor = self._rand((self._batch_size(images), 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1],
                            self._generator_for(seed))
        return {"contrast_factor": factor.to(images.device)}

    def transform_images(self, images, transformation, training=True):
        """``(x - mean) * factor + mean`` per image and channel, clipped to ``value_range``."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        factor = torch.as_tensor(transformation["contrast_factor"]).to(images.device, images.dtype)
        height_axis, width_axis, _ = self._spatial_axes()
        mean = images.mean(dim=height_axis, keepdim=True).mean(dim=width_axis, keepdim=True)
        out = (images - mean) * factor.reshape(-1, 1, 1, 1) + mean
        return out.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``factor`` (as the pair), ``value_range``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
