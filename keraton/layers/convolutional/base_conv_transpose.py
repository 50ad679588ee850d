"""``BaseConvTranspose``: the N-D transposed convolution behind ``Conv{1,2,3}DTranspose``."""

from __future__ import annotations

from keraton import constraints, initializers, regularizers
from keraton.layers.convolutional import conv_utils
from keraton.layers.convolutional.base_conv import (
    add_bias,
    channels_of,
    check_strides_and_dilation,
    common_config,
    set_common_arguments,
    spatial_of,
    with_spatial,
)
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.utils.argument_validation import standardize_positive_int


class BaseConvTranspose(Layer):
    """N-D transposed convolution ("deconvolution"), as Keras's ``BaseConvTranspose``.

    Output sizes and windows are Keras's: ``'valid'`` gives
    ``(n - 1) * stride + max(kernel, stride)``, ``'same'`` gives ``n * stride``;
    an explicit ``output_padding`` (each < its stride) gives
    ``(n - 1) * stride + kernel (+ kernel % 2 for same) + output_padding``.
    The kernel has Keras's shape ``(*kernel_size, filters, in)``, stored in the
    memory order of torch's ``(in, filters, *kernel_size)`` weight.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: number of output channels.
        kernel_size, strides, padding (``'valid'``/``'same'``), output_padding,
        data_format, dilation_rate, activation, use_bias, initializers,
        regularizers, constraints: as Keras's ``Conv2DTranspose``.

    Example:
        >>> layer = keraton.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> layer(torch.ones(1, 5, 5, 2)).shape
        torch.Size([1, 10, 10, 4])
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.rank = rank
        self.filters = standardize_positive_int(filters, "filters", owner)
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=owner)
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, owner=owner)
        self.output_padding = None if output_padding is None else conv_utils.standardize_tuple(
            output_padding, rank, "output_padding", allow_zero=True, owner=owner)
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        set_common_arguments(self, activation, use_bias, bias_initializer, bias_regularizer,
                             bias_constraint)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        if self.output_padding is not None:
            for op, s in zip(self.output_padding, self.strides):
                if op >= s:
                    raise ValueError(
                        f"{owner}: each `output_padding` value must be strictly less than its "
                        f"`strides` value, got output_padding={self.output_padding}, "
                        f"strides={self.strides}."
                    )
        check_strides_and_dilation(owner, self.strides, self.dilation_rate)

    def build(self, input_shape) -> None:
        """Create ``kernel`` (Keras shape ``(*kernel_size, filters, in)``) and ``bias``."""
        in_channels = channels_of(self, input_shape)
        # Keras (*k, filters, in) and torch (in, filters, *k) are the conv layouts with in/out swapped.
        self.kernel = conv_utils.add_kernel(
            self, "kernel", self.kernel_size + (self.filters, in_channels),
            conv_utils.conv_layout(), conv_utils.memory_format(self.rank, self.data_format),
            self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint,
        )
        add_bias(self, self.filters)
        self.built = True

    def call(self, inputs):
        """Transposed convolution, bias, activation."""
        x = conv_utils.to_channels_first(inputs.to(self.kernel.dtype), self.data_format)
        y = conv_utils.convolve_transpose(x, conv_utils.torch_kernel(self.kernel), self.bias, self.strides, self.padding,
                                          self.output_padding, self.dilation_rate)
        y = conv_utils.from_channels_first(y, self.data_format)
        return y if self._act is None else self._act(y)

    def compute_output_shape(self, input_shape):
        """Keras's ``compute_conv_transpose_output_shape``."""
        spatial = spatial_of(self, input_shape)
        output_padding = self.output_padding or (None,) * self.rank
        out = [conv_utils.transpose_output_length(n, k, s, self.padding, op, d)
               for n, k, s, op, d in zip(spatial, self.kernel_size, self.strides, output_padding,
                                         self.dilation_rate)]
        return with_spatial(self, input_shape, out, self.filters)

    def get_config(self) -> dict:
        """Keras 3's config for the transposed convolution layers."""
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        })
        config.update(common_config(self, kernel="kernel"))
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}, data_format={self.data_format!r}")
