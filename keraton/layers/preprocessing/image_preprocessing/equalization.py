"""``Equalization``: histogram equalization of each channel in training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    standardize_value_range,
)


class Equalization(BaseColorAugmentation):
    """Histogram equalization, as ``keras.layers.Equalization``.

    Each channel, mapped from ``value_range`` to ``[0, 255]``, gets a
    ``bins``-bin histogram, and every value is replaced by its rounded
    cumulative-distribution value ``255 * (cdf - cdf_min) / (n - cdf_min)``
    before being mapped back; a channel with at most one occupied bin is kept.
    As Keras 3 does, the histogram of a channel is taken over the whole batch
    (not image by image), and the layer applies only in training: in
    inference (``training=False``, ``predict``) it returns the images
    unchanged.  Nothing is random.

    Args:
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        bins: number of histogram bins (default 256).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = keraton.layers.Equalization()
        >>> layer(torch.tensor([[[[10.0], [20.0], [20.0], [30.0]]]]), training=True).flatten()
        tensor([  0., 170., 170., 255.])
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = standardize_value_range(value_range, self.name)

    def _draw(self, batch_size, generator):
        return None

    def _scale(self, values, source, target):
        scale = (target[1] - target[0]) / (source[1] - source[0])
        return values * scale + (target[0] - source[0] * scale)

    def _histogram(self, channel):
        scaled = (channel.to(torch.float32) - 0.0) * (self.bins - 1) / 255.0
        indices = torch.clip(scaled.to(torch.int32), 0, self.bins - 1)
        return torch.bincount(indices.reshape(-1), minlength=self.bins)

    def _equalize_channel(self, channel):
        # Keras compares the sorted list with the tuple (0, 255), which never holds: it always
        # rescales (the identity map for (0, 255)); so does this.
        channel = self._scale(channel, self.value_range, (0, 255))
        hist = self._histogram(channel)
        if int(torch.count_nonzero(hist)) > 1:
            cdf = torch.cumsum(hist, dim=0)
            cdf_min = cdf[torch.nonzero(cdf)[0][0]]
            denominator = cdf[-1] - cdf_min
            denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
            lookup_table = torch.clip(torch.round((cdf - cdf_min) * 255 / denominator), 0, 255)
            indices = torch.clip(channel / 255.0 * (self.bins - 1), 0, self.bins - 1).to(torch.int32)
            channel = lookup_table[indices]
        return self._scale(channel, (0, 255), self.value_range)

    def _transform(self, images, transformation=None):
        channels = [self._equalize_channel(images[..., i]) for i in range(images.shape[-1])]
        return torch.stack(channels, dim=-1).to(self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``bins``, ``value_range`` (sorted list)."""
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config
