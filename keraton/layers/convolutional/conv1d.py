"""``Conv1D``: 1-D convolution over (batch, steps, channels) inputs; ``padding='causal'`` pads on the left only (Keras's causal mode)."""

from __future__ import annotations

from keraton.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution over (batch, steps, channels) inputs; ``padding='causal'`` pads on the left only (Keras's causal mode), as ``keras.layers.Conv1D``.

    Takes every argument of Keras's ``Conv1D`` (see ``BaseConv`` for the list
    and for how the kernel is stored); inputs are ``channels_last`` unless
    ``data_format='channels_first'``.

    Example:
        >>> layer = keraton.layers.Conv1D(4, 3, padding="causal")
        >>> layer(torch.ones(2, 10, 3)).shape
        torch.Size([2, 10, 4])
    """

    # As Keras: Conv1D's own call (causal padding) convolves directly, so an override of
    # ``convolution_op`` in a subclass is not used.
    _calls_convolution_op = False

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(1, filters, kernel_size, *args, **kwargs)
