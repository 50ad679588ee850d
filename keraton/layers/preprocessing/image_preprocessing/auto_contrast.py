"""``AutoContrast``: stretch each image's values over the whole value range (training and inference)."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
)
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    standardize_value_range,
    transform_value_range,
)


class AutoContrast(BaseRandomAugmentation):
    """Per-image, per-channel auto contrast, as ``keras.layers.AutoContrast``.

    On the images mapped from ``value_range`` to ``[0, 255]``, each channel
    is stretched linearly so that its minimum becomes 0 and its maximum 255,
    then mapped back; a constant channel is returned unchanged.  As Keras,
    the layer is active in training *and* inference, and the minimum and
    maximum are taken over axes 1 and 2 of the batch as given (for
    ``channels_first`` input that is channels and height, Keras's behaviour).
    The output is float.

    Args:
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).

    Example:
        >>> layer = keraton.layers.AutoContrast(value_range=(0, 1))
        >>> layer(torch.tensor([[[[0.25], [0.5]]]])).flatten()
        tensor([0., 1.])
    """

    _always_active = True

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = standardize_value_range(value_range, self.name)

    def call(self, inputs, training=True):
        """Auto-contrast ``inputs`` (rank 3 image, rank 4 batch or Keras's dict), whatever ``training`` is."""
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training=True)
        original = torch.as_tensor(inputs)
        if original.dim() not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}': expected images of rank 3 (one image) or 4 (a batch), "
                f"received input of shape {tuple(original.shape)}."
            )
        single = original.dim() == 3
        x = original.unsqueeze(0) if single else original
        out = self.transform_images(x)
        return out.squeeze(0) if single else out

    def _standardize_images(self, images, training):
        return torch.as_tensor(images)

    def _apply_images(self, images, transformation):
        return self.transform_images(images)

    def transform_images(self, images, transformation=None, training=True):
        """Keras's ``transform_images`` on a batch (``training`` is ignored: always applied)."""
        original = torch.as_tensor(images)
        if original.is_floating_point():  # Keras's __call__ casts float inputs to the compute dtype
            original = original.to(self._dtype)
        images = transform_value_range(original, self.value_range, (0, 255)).to(self._dtype)
        low = torch.amin(images, dim=(1, 2), keepdim=True)
        high = torch.amax(images, dim=(1, 2), keepdim=True)
        scale = 255.0 / (high - low)
        offset = -low * scale
        results = torch.clip(images * scale + offset, 0.0, 255.0)
        results = transform_value_range(results, (0, 255), self.value_range)
        # A constant channel gives 0/0 = nan: Keras returns the input there.
        results = torch.where(torch.isnan(results), original.to(results.dtype), results)
        return results.to(self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``data_format`` and ``value_range`` (sorted list)."""
        config = super().get_config()
        config["value_range"] = self.value_range
        return config
