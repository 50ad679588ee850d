"""``GlobalMaxPooling3D``: global max pooling over 3 spatial axises (Keras's ``GlobalMaxPooling3D``)."""

from __future__ import annotations

from keraton.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Global max pooling: the maximum over all spatial axes, as ``keras.layers.GlobalMaxPooling3D``.

    Args:
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.
        keepdims: keep the spatial axes with size 1 (default False).

    Shape:
        input ``(batch, dim1, dim2, dim3, channels)`` -> output ``(batch, channels)``.

    Example:
        >>> keraton.layers.GlobalMaxPooling3D()(torch.ones(2, 4, 4, 4, 3)).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        """The maximum over the spatial axes."""
        return inputs.amax(dim=self._axes, keepdim=self.keepdims)
