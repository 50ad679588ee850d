"""``Conv1DTranspose``: 1-D transposed convolution."""

from __future__ import annotations

from keraton.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution, as ``keras.layers.Conv1DTranspose``.

    Takes every argument of Keras's ``Conv1DTranspose`` (see ``BaseConvTranspose`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.Conv1DTranspose(4, 3, strides=2, padding="same")
        >>> layer(torch.ones(2, 5, 3)).shape
        torch.Size([2, 10, 4])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(1, filters, kernel_size, *args, **kwargs)
