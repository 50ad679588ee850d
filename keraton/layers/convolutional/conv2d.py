"""``Conv2D``: 2-D convolution over images (batch, height, width, channels)."""

from __future__ import annotations

from keraton.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2-D convolution over images (batch, height, width, channels), as ``keras.layers.Conv2D``.

    Takes every argument of Keras's ``Conv2D`` (see ``BaseConv`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.Conv2D(8, 3, activation="relu")
        >>> layer(torch.ones(2, 28, 28, 1)).shape
        torch.Size([2, 26, 26, 8])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(2, filters, kernel_size, *args, **kwargs)
