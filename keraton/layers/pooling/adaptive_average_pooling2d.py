"""``AdaptiveAveragePooling2D``: 2D adaptive average pooling, as Keras's."""

from __future__ import annotations

from keraton.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Adaptive average pooling to a fixed size, as ``keras.layers.AdaptiveAveragePooling2D``.

    Each output cell is the mean of a window computed from the input size so
    that the output has ``output_size`` cells per spatial axis, whatever the
    input size (torch's ``adaptive_avg_pool2d``, as Keras's torch backend).

    Args:
        output_size: int or tuple of 2 ints, the output size; an int is used for
            height and width.
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Shape:
        input ``(batch, height, width, channels)`` (channels first: channels after batch)
        -> output ``(batch, out_height, out_width, channels)``.

    Example:
        >>> keraton.layers.AdaptiveAveragePooling2D(4)(torch.zeros(1, 9, 7, 3)).shape
        torch.Size([1, 4, 4, 3])
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=2, pool_mode="average",
                         data_format=data_format, **kwargs)
