"""``Cropping1D``: crop the spatial axes of 1D data (Keras's ``Cropping1D``)."""

from __future__ import annotations

from keraton.layers.reshaping.base_spatial_padding import BaseCropping
from keraton.utils.argument_validation import standardize_tuple


class Cropping1D(BaseCropping):
    """Crop the spatial axes, as ``keras.layers.Cropping1D``.

    Args:
        cropping: int (both ends) or 2 ints ``(before, after)`` for the steps axis (default ``(1, 1)``).

    Example:
        >>> keraton.layers.Cropping1D()(torch.zeros(2, 5, 4)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(rank=1, data_format="channels_last", **kwargs)
        self._pairs = (standardize_tuple(cropping, 2, "cropping", allow_zero=True),)
        self.cropping = self._pairs[0]

    def get_config(self) -> dict:
        """Keras 3's config: cropping."""
        config = super().get_config()
        config["cropping"] = self.cropping
        return config
