"""``Cropping2D``: crop the spatial axes of 2D data (Keras's ``Cropping2D``)."""

from __future__ import annotations

from keraton.layers.reshaping.base_spatial_padding import BaseCropping
from keraton.utils.argument_validation import standardize_pairs


class Cropping2D(BaseCropping):
    """Crop the spatial axes, as ``keras.layers.Cropping2D``.

    Args:
        cropping: int, 2 ints (symmetric per axis) or 2 pairs ``((top, bottom), (left, right))`` (default no cropping).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Example:
        >>> keraton.layers.Cropping2D()(torch.zeros(2, 5, 6, 3)).shape
        torch.Size([2, 5, 6, 3])
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(rank=2, data_format=data_format, **kwargs)
        self._pairs = standardize_pairs(cropping, 2, "cropping")
        self.cropping = self._pairs

    def get_config(self) -> dict:
        """Keras 3's config: cropping, data_format."""
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
