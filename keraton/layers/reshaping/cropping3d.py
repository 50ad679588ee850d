"""``Cropping3D``: crop the spatial axes of 3D data (Keras's ``Cropping3D``)."""

from __future__ import annotations

from keraton.layers.reshaping.base_spatial_padding import BaseCropping
from keraton.utils.argument_validation import standardize_pairs


class Cropping3D(BaseCropping):
    """Crop the spatial axes, as ``keras.layers.Cropping3D``.

    Args:
        cropping: int, 3 ints (symmetric per axis) or 3 ``(before, after)`` pairs (default 1 everywhere).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Example:
        >>> keraton.layers.Cropping3D()(torch.zeros(2, 5, 6, 7, 3)).shape
        torch.Size([2, 3, 4, 5, 3])
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(rank=3, data_format=data_format, **kwargs)
        self._pairs = standardize_pairs(cropping, 3, "cropping")
        self.cropping = self._pairs

    def get_config(self) -> dict:
        """Keras 3's config: cropping, data_format."""
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
