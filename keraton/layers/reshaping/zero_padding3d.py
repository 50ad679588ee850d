"""``ZeroPadding3D``: pad the spatial axes with zeros of 3D data (Keras's ``ZeroPadding3D``)."""

from __future__ import annotations

from keraton.layers.reshaping.base_spatial_padding import BaseZeroPadding
from keraton.utils.argument_validation import standardize_pairs


class ZeroPadding3D(BaseZeroPadding):
    """Pad the spatial axes with zeros, as ``keras.layers.ZeroPadding3D``.

    Args:
        padding: int, 3 ints (symmetric per axis) or 3 ``(before, after)`` pairs (default 1 everywhere).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Example:
        >>> keraton.layers.ZeroPadding3D()(torch.zeros(2, 3, 4, 5, 2)).shape
        torch.Size([2, 5, 6, 7, 2])
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(rank=3, data_format=data_format, **kwargs)
        self._pairs = standardize_pairs(padding, 3, "padding")
        self.padding = self._pairs

    def get_config(self) -> dict:
        """Keras 3's config: padding, data_format."""
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
