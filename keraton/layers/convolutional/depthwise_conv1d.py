"""``DepthwiseConv1D``: 1-D depthwise convolution."""

from __future__ import annotations

from keraton.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution, as ``keras.layers.DepthwiseConv1D``.

    Takes every argument of Keras's ``DepthwiseConv1D`` (see ``BaseDepthwiseConv`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.DepthwiseConv1D(3, depth_multiplier=2)
        >>> layer(torch.ones(2, 10, 3)).shape
        torch.Size([2, 8, 6])
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(1, depth_multiplier, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
