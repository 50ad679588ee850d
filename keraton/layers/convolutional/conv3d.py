"""``Conv3D``: 3-D convolution over volumes (batch, depth, height, width, channels)."""

from __future__ import annotations

from keraton.layers.convolutional.base_conv import BaseConv


class Conv3D(BaseConv):
    """3-D convolution over volumes (batch, depth, height, width, channels), as ``keras.layers.Conv3D``.

    Takes every argument of Keras's ``Conv3D`` (see ``BaseConv`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.Conv3D(4, 3, padding="same")
        >>> layer(torch.ones(1, 6, 6, 6, 2)).shape
        torch.Size([1, 6, 6, 6, 4])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(3, filters, kernel_size, *args, **kwargs)
