"""``Conv3DTranspose``: 3-D transposed convolution."""

from __future__ import annotations

from keraton.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution, as ``keras.layers.Conv3DTranspose``.

    Takes every argument of Keras's ``Conv3DTranspose`` (see ``BaseConvTranspose`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.Conv3DTranspose(2, 2, strides=2)
        >>> layer(torch.ones(1, 3, 3, 3, 2)).shape
        torch.Size([1, 6, 6, 6, 2])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(3, filters, kernel_size, *args, **kwargs)
