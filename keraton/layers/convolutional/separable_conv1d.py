"""``SeparableConv1D``: 1-D separable convolution (depthwise, then pointwise)."""

from __future__ import annotations

from keraton.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution (depthwise, then pointwise), as ``keras.layers.SeparableConv1D``.

    Takes every argument of Keras's ``SeparableConv1D`` (see ``BaseSeparableConv`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.SeparableConv1D(4, 3)
        >>> layer(torch.ones(2, 10, 3)).shape
        torch.Size([2, 8, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 depth_multiplier=1, dilation_rate=1, **kwargs):
        super().__init__(1, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
