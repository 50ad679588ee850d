"""``MaxPooling3D``: 3D max pooling (Keras's ``MaxPooling3D``)."""

from __future__ import annotations

from keraton.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """Max pooling: the largest value of each window, over 3 spatial axises, as ``keras.layers.MaxPooling3D``.

    Args:
        pool_size: int or tuple of 3 ints, the window size (default ``(2, 2, 2)``).
        strides: int or tuple of 3 ints; ``None`` (default) means ``pool_size``.
        padding: ``'valid'`` (no padding) or ``'same'`` (TensorFlow's ``'same'``:
            ``ceil(size / stride)`` outputs, the odd padding cell at the end).
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Shape:
        input ``(batch, dim1, dim2, dim3, channels)`` (channels first: channels after batch) ->
        output with each spatial size pooled.

    Example:
        >>> keraton.layers.MaxPooling3D()(torch.zeros(2, 4, 4, 4, 3)).shape
        torch.Size([2, 2, 2, 2, 3])
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)
