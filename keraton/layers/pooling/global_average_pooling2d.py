"""``GlobalAveragePooling2D``: global average pooling over 2 spatial axises (Keras's ``GlobalAveragePooling2D``)."""

from __future__ import annotations

from keraton.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Global average pooling: the mean over all spatial axes, as ``keras.layers.GlobalAveragePooling2D``.

    Args:
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.
        keepdims: keep the spatial axes with size 1 (default False).

    Shape:
        input ``(batch, height, width, channels)`` -> output ``(batch, channels)``.

    Example:
        >>> keraton.layers.GlobalAveragePooling2D()(torch.ones(2, 4, 4, 3)).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        """The mean over the spatial axes."""
        return inputs.mean(dim=self._axes, keepdim=self.keepdims)
