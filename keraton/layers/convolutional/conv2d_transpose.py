"""``Conv2DTranspose``: 2-D transposed convolution."""

from __future__ import annotations

from keraton.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution, as ``keras.layers.Conv2DTranspose``.

    Takes every argument of Keras's ``Conv2DTranspose`` (see ``BaseConvTranspose`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.Conv2DTranspose(4, 3, strides=2)
        >>> layer(torch.ones(2, 5, 5, 3)).shape
        torch.Size([2, 11, 11, 4])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(2, filters, kernel_size, *args, **kwargs)
