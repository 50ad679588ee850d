"""``ZeroPadding2D``: pad the spatial axes with zeros of 2D data (Keras's ``ZeroPadding2D``)."""

from __future__ import annotations

from keraton.layers.reshaping.base_spatial_padding import BaseZeroPadding
from keraton.utils.argument_validation import standardize_pairs


class ZeroPadding2D(BaseZeroPadding):
    """Pad the spatial axes with zeros, as ``keras.layers.ZeroPadding2D``.

    Args:
        padding: int, 2 ints (symmetric per axis) or 2 pairs ``((top, bottom), (left, right))`` (default ``(1, 1)``).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Example:
        >>> keraton.layers.ZeroPadding2D()(torch.zeros(2, 3, 4, 5)).shape
        torch.Size([2, 5, 6, 5])
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(rank=2, data_format=data_format, **kwargs)
        self._pairs = standardize_pairs(padding, 2, "padding")
        self.padding = self._pairs

    def get_config(self) -> dict:
        """Keras 3's config: padding, data_format."""
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
