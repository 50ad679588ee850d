"""``GlobalMaxPooling1D``: global max pooling over 1 spatial axis (Keras's ``GlobalMaxPooling1D``)."""

from __future__ import annotations

from keraton.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global max pooling: the maximum over all spatial axes, as ``keras.layers.GlobalMaxPooling1D``.

    Like Keras 3, it ignores an input mask (and outputs none).
    Args:
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.
        keepdims: keep the spatial axes with size 1 (default False).

    Shape:
        input ``(batch, steps, features)`` -> output ``(batch, channels)``.

    Example:
        >>> keraton.layers.GlobalMaxPooling1D()(torch.ones(2, 6, 3)).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        """The maximum over the spatial axes."""
        return inputs.amax(dim=self._axes, keepdim=self.keepdims)
