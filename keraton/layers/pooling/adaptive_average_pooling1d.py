"""``AdaptiveAveragePooling1D``: 1D adaptive average pooling, as Keras's."""

from __future__ import annotations

from keraton.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Adaptive average pooling to a fixed size, as ``keras.layers.AdaptiveAveragePooling1D``.

    Each output cell is the mean of a window computed from the input size so
    that the output has ``output_size`` cells per spatial axis, whatever the
    input size (torch's ``adaptive_avg_pool1d``, as Keras's torch backend).

    Args:
        output_size: int, the output size.
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Shape:
        input ``(batch, length, channels)`` (channels first: channels after batch)
        -> output ``(batch, output_length, channels)``.

    Example:
        >>> keraton.layers.AdaptiveAveragePooling1D(4)(torch.zeros(1, 9, 3)).shape
        torch.Size([1, 4, 3])
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=1, pool_mode="average",
                         data_format=data_format, **kwargs)
