"""``AdaptiveMaxPooling3D``: 3D adaptive max pooling, as Keras's."""

from __future__ import annotations

from keraton.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Adaptive max pooling to a fixed size, as ``keras.layers.AdaptiveMaxPooling3D``.

    Each output cell is the largest value of a window computed from the input size so
    that the output has ``output_size`` cells per spatial axis, whatever the
    input size (torch's ``adaptive_max_pool3d``, as Keras's torch backend).

    Args:
        output_size: int or tuple of 3 ints, the output size; an int is used for
            depth, height and width.
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.

    Shape:
        input ``(batch, depth, height, width, channels)`` (channels first: channels after batch)
        -> output ``(batch, out_depth, out_height, out_width, channels)``.

    Example:
        >>> keraton.layers.AdaptiveMaxPooling3D(4)(torch.zeros(1, 9, 7, 5, 3)).shape
        torch.Size([1, 4, 4, 4, 3])
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=3, pool_mode="max",
                         data_format=data_format, **kwargs)
