"""``BaseSeparableConv``: depthwise then pointwise convolution, behind ``SeparableConv1D``/``SeparableConv2D``."""

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
from keraton.utils.argument_validation import standardize_positive_int


class BaseSeparableConv(Layer):
    """Separable convolution: a depthwise convolution followed by a 1x1 (pointwise) one, as Keras's.

    Weights, in Keras's order and layouts: ``depthwise_kernel``
    ``(*kernel_size, in, depth_multiplier)``, ``pointwise_kernel``
    ``(1, ..., in * depth_multiplier, filters)``, ``bias`` ``(filters,)``.  Both
    kernels are stored in torch's memory order (views, no copies); strides, padding and dilation apply to
    the depthwise step, the bias after the pointwise step.

    Args:
        rank: number of spatial dimensions (1 or 2).
        depth_multiplier: depthwise output channels per input channel.
        filters: output channels of the pointwise step.
        kernel_size, strides, padding, data_format, dilation_rate, activation,
        use_bias: as ``Conv2D``.
        depthwise_*, pointwise_*, bias_*: initializer, regularizer and
            constraint of each weight.

    Example:
        >>> layer = keraton.layers.SeparableConv2D(6, 3, depth_multiplier=2)
        >>> layer(torch.ones(1, 5, 5, 4)).shape
        torch.Size([1, 3, 3, 6])
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.filters = standardize_positive_int(filters, "filters", owner)
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=owner)
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, owner=owner)
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        set_common_arguments(self, activation, use_bias, bias_initializer, bias_regularizer,
                             bias_constraint)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(
                f"{owner}: `depth_multiplier` must be a positive integer, got "
                f"depth_multiplier={depth_multiplier!r}."
            )

    def build(self, input_shape) -> None:
        """Create ``depthwise_kernel``, ``pointwise_kernel`` and ``bias``."""
        conv_output_spatial(self, input_shape)
        in_channels = channels_of(self, input_shape)
        fmt = conv_utils.memory_format(self.rank, self.data_format)
        self.depthwise_kernel = conv_utils.add_kernel(
            self, "depthwise_kernel", self.kernel_size + (in_channels, self.depth_multiplier),
            conv_utils.depthwise_layout(in_channels, self.depth_multiplier), fmt,
            self.depthwise_initializer, self.depthwise_regularizer, self.depthwise_constraint,
        )
        self.pointwise_kernel = conv_utils.add_kernel(
            self, "pointwise_kernel", (1,) * self.rank + (in_channels * self.depth_multiplier, self.filters),
            conv_utils.conv_layout(), fmt,
            self.pointwise_initializer, self.pointwise_regularizer, self.pointwise_constraint,
        )
        self._in_channels = in_channels
        add_bias(self, self.filters)
        self.built = True

    def call(self, inputs):
        """Depthwise convolution, pointwise convolution with the bias, activation."""
        x = conv_utils.to_channels_first(inputs.to(self.depthwise_kernel.dtype), self.data_format)
        y = conv_utils.convolve(x, conv_utils.torch_depthwise_kernel(self.depthwise_kernel), None, self.strides, self.padding,
                                self.dilation_rate, self._in_channels)
        y = conv_utils.convolve(y, conv_utils.torch_kernel(self.pointwise_kernel), self.bias, (1,) * self.rank, "valid",
                                (1,) * self.rank, 1)
        y = conv_utils.from_channels_first(y, self.data_format)
        return y if self._act is None else self._act(y)

    def compute_output_shape(self, input_shape):
        """Spatial sizes as ``Conv``; ``filters`` channels."""
        out = conv_output_spatial(self, input_shape)
        return with_spatial(self, input_shape, out, self.filters)

    def get_config(self) -> dict:
        """Keras 3's config for the separable convolution layers."""
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        })
        config.update(common_config(self, kernel=("depthwise", "pointwise")))
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, filters={self.filters}, depth_multiplier={self.depth_multiplier}, "
                f"kernel_size={self.kernel_size}, strides={self.strides}, padding={self.padding!r}")
