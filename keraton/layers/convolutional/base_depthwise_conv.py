"""``BaseDepthwiseConv``: the per-channel convolution behind ``DepthwiseConv1D``/``DepthwiseConv2D``."""

from __future__ import annotations

from keraton import constraints, initializers, regularizers
from keraton.layers.convolutional import conv_utils
from keraton.layers.convolutional.base_conv import (
    add_bias,
    channels_of,
    common_config,
    conv_output_spatial,
    set_common_arguments,
    with_spatial,
)
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer


class BaseDepthwiseConv(Layer):
    """Depthwise convolution: each input channel convolved with ``depth_multiplier`` filters of its own.

    Matches Keras's ``BaseDepthwiseConv``: output channel ``c * depth_multiplier
    + m`` comes from input channel ``c`` and kernel slice ``[..., c, m]``.  The
    kernel is kept in torch's grouped layout ``(in * depth_multiplier, 1,
    *kernel_size)`` and runs as one ``groups=in`` convolution; Keras's layout
    is ``(*kernel_size, in, depth_multiplier)``.

    Args:
        rank: number of spatial dimensions (1 or 2).
        depth_multiplier: output channels per input channel.
        kernel_size, strides, padding (``'valid'``/``'same'``), data_format,
        dilation_rate, activation, use_bias: as ``Conv2D``.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint:
            for the depthwise kernel; bias_* for the bias.

    Example:
        >>> layer = keraton.layers.DepthwiseConv2D(3, depth_multiplier=2)
        >>> layer(torch.ones(1, 5, 5, 4)).shape
        torch.Size([1, 3, 3, 8])
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=owner)
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, owner=owner)
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        set_common_arguments(self, activation, use_bias, bias_initializer, bias_regularizer,
                             bias_constraint)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(
                f"{owner}: `depth_multiplier` must be a positive integer, got "
                f"depth_multiplier={depth_multiplier!r}."
            )

    def build(self, input_shape) -> None:
        """Create ``kernel`` (Keras shape ``(*kernel_size, in, depth_multiplier)``) and ``bias``."""
        conv_output_spatial(self, input_shape)
        in_channels = channels_of(self, input_shape)
        self.kernel = conv_utils.add_kernel(
            self, "kernel", self.kernel_size + (in_channels, self.depth_multiplier),
            conv_utils.depthwise_layout(in_channels, self.depth_multiplier),
            conv_utils.memory_format(self.rank, self.data_format),
            self.depthwise_initializer, self.depthwise_regularizer, self.depthwise_constraint,
        )
        self._in_channels = in_channels
        add_bias(self, in_channels * self.depth_multiplier)
        self.built = True

    def call(self, inputs):
        """Grouped convolution (one group per input channel), bias, activation."""
        x = conv_utils.to_channels_first(inputs.to(self.kernel.dtype), self.data_format)
        y = conv_utils.convolve(x, conv_utils.torch_depthwise_kernel(self.kernel), self.bias, self.strides, self.padding,
                                self.dilation_rate, self._in_channels)
        y = conv_utils.from_channels_first(y, self.data_format)
        return y if self._act is None else self._act(y)

    def compute_output_shape(self, input_shape):
        """Spatial sizes as ``Conv``; channels ``in * depth_multiplier``."""
        out = conv_output_spatial(self, input_shape)
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        return with_spatial(self, input_shape, out,
                            None if channels is None else channels * self.depth_multiplier)

    def get_config(self) -> dict:
        """Keras 3's config for the depthwise convolution layers."""
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        })
        config.update(common_config(self, kernel="depthwise"))
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, depth_multiplier={self.depth_multiplier}, "
                f"kernel_size={self.kernel_size}, strides={self.strides}, padding={self.padding!r}")
