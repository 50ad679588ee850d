"""``MaxPooling1D``: 1D max pooling (Keras's ``MaxPooling1D``)."""

from __future__ import annotations

from keraton.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling: the largest value of each window, over 1 spatial axis, as ``keras.layers.MaxPooling1D``.

    Args:
        pool_size: int or tuple of 1 ints, the window size (default ``2``).
        strides: int or tuple of 1 ints; ``None`` (default) means ``pool_size``.
        padding: ``'valid'`` (no padding) or ``'same'`` (TensorFlow's ``'same'``:
            ``ceil(size / stride)`` outputs, the odd padding cell at the end).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Shape:
        input ``(batch, steps, features)`` (channels first: channels after batch) ->
        output with each spatial size pooled.

    Example:
        >>> keraton.layers.MaxPooling1D()(torch.zeros(2, 6, 3)).shape
        torch.Size([2, 3, 3])
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)
