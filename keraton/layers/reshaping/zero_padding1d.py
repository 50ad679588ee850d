"""``ZeroPadding1D``: pad the spatial axes with zeros of 1D data (Keras's ``ZeroPadding1D``)."""

from __future__ import annotations

from keraton.layers.reshaping.base_spatial_padding import BaseZeroPadding
from keraton.utils.argument_validation import standardize_tuple


class ZeroPadding1D(BaseZeroPadding):
    """Pad the spatial axes with zeros, as ``keras.layers.ZeroPadding1D``.

    Args:
        padding: int (both ends) or 2 ints ``(before, after)`` for the steps axis (default 1).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Example:
        >>> keraton.layers.ZeroPadding1D()(torch.zeros(2, 3, 4)).shape
        torch.Size([2, 5, 4])
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(rank=1, data_format=data_format, **kwargs)
        self._pairs = (standardize_tuple(padding, 2, "padding", allow_zero=True),)
        self.padding = self._pairs[0]

    def get_config(self) -> dict:
        """Keras 3's config: padding, data_format."""
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
