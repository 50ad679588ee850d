"""``keras.ops.nn`` pooling and convolutions: channels_last by default, kernels in Keras's
layout, the convolution arithmetic of keraton's layers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.convolutional import conv_utils
from keraton.layers.pooling.base_adaptive_pooling import standardize_output_size
from keraton.layers.pooling.base_pooling import same_padding, to_channels_first, to_channels_last
from keraton.ops._utils import keras_op
from keraton.ops.nn.activations import _common_float, _float

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv", "conv_transpose",
    "depthwise_conv", "max_pool", "separable_conv",
]


# --------------------------------------------------------------------------- pooling


def _spatial_rank(x: torch.Tensor, op: str) -> int:
    rank = x.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op}: inputs must have rank 3, 4 or 5 (batch, 1 to 3 spatial dimensions, "
            f"channels), got shape {tuple(x.shape)}.")
    return rank


def _pool(op, inputs, pool_size, strides, padding, data_format):
    """Max or average pooling with Keras's arguments; ``'same'`` pads as TensorFlow does."""
    x = _float(inputs)
    rank = _spatial_rank(x, op)
    pool_size = conv_utils.standardize_tuple(pool_size, rank, "pool_size", owner=op)
    strides = pool_size if strides is None else conv_utils.standardize_tuple(
        strides, rank, "strides", owner=op)
    padding = conv_utils.standardize_padding(padding, owner=op)
    channels_last = conv_utils.standardize_data_format(data_format, owner=op) == "channels_last"
    x = to_channels_first(x, rank) if channels_last else x
    if padding == "valid" and any(n < k for n, k in zip(x.shape[2:], pool_size)):
        raise ValueError(
            f"{op}: the spatial sizes {tuple(x.shape[2:])} are smaller than pool_size="
            f"{pool_size}; use a smaller pool_size or padding='same'.")
    torch_pool = getattr(F, f"{'max' if op == 'max_pool' else 'avg'}_pool{rank}d")
    pads = [(0, 0)] * rank
    if padding == "same":
        pads = [same_padding(n, k, s) for n, k, s in zip(x.shape[2:], pool_size, strides)]
    if all(a == b for a, b in pads):
        kwargs = {} if op == "max_pool" else {"count_include_pad": False}
        y = torch_pool(x, pool_size, strides, [a for a, _ in pads], **kwargs)
    else:
        flat = [p for pair in reversed(pads) for p in pair]
        if op == "max_pool":
            # The extra cell at the end copies the edge, which every window holding it also holds.
            y = torch_pool(F.pad(x, flat, mode="replicate"), pool_size, strides)
        else:
            # Average over the real cells only: zero-padded sums over zero-padded counts.
            ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            y = torch_pool(F.pad(x, flat), pool_size, strides) / torch_pool(
                F.pad(ones, flat), pool_size, strides)
    return to_channels_last(y, rank) if channels_last else y


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the 1 to 3 spatial axes of ``inputs`` (``strides`` defaults to ``pool_size``).

    ``padding='same'`` gives ``ceil(n / stride)`` outputs (TensorFlow's padding,
    the odd cell at the end); padded cells never win.
    """
    return _pool("max_pool", inputs, pool_size, strides, padding, data_format)


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the 1 to 3 spatial axes of ``inputs``; padded cells are not counted.

    With asymmetric ``'same'`` padding Keras's torch backend averages in copies
    of the edge cells; keraton averages the real cells only, as Keras's
    TensorFlow and JAX backends and keraton's ``AveragePooling`` layers do.
    """
    return _pool("average_pool", inputs, pool_size, strides, padding, data_format)


def _adaptive_pool(mode, inputs, output_size, data_format):
    x = _float(inputs)
    rank = _spatial_rank(x, f"adaptive_{mode}_pool")
    output_size = standardize_output_size(output_size, rank)
    torch_pool = getattr(F, f"adaptive_{'avg' if mode == 'average' else 'max'}_pool{rank}d")
    if conv_utils.standardize_data_format(data_format) == "channels_last":
        return to_channels_last(torch_pool(to_channels_first(x, rank), output_size), rank)
    return torch_pool(x, output_size)


@keras_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling of each spatial axis down to ``output_size`` cells (torch's adaptive windows)."""
    return _adaptive_pool("average", inputs, output_size, data_format)


@keras_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling of each spatial axis down to ``output_size`` cells (torch's adaptive windows)."""
    return _adaptive_pool("max", inputs, output_size, data_format)


# --------------------------------------------------------------------------- convolutions


def _conv_arguments(op, inputs, kernels, strides, padding, data_format, dilation_rate):
    """Shared conversions: floating tensors of one dtype, tuples, padding, channels-first view."""
    x, *kernels = _common_float(inputs, *kernels)
    rank = _spatial_rank(x, op)
    for k in kernels:
        if k.ndim != rank + 2:
            raise ValueError(
                f"{op}: the kernel must have rank {rank + 2} for inputs of rank {x.ndim}, got "
                f"kernel shape {tuple(k.shape)} and inputs shape {tuple(x.shape)}.")
    strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=op)
    dilation = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=op)
    padding = conv_utils.standardize_padding(padding, owner=op)
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    return conv_utils.to_channels_first(x, data_format), kernels, rank, strides, padding, \
        data_format, dilation


def _check_output_size(op, x, kernel_size, strides, padding, dilation):
    out = [conv_utils.conv_output_length(n, k, s, padding, d)
           for n, k, s, d in zip(x.shape[2:], kernel_size, strides, dilation)]
    if any(n <= 0 for n in out):
        raise ValueError(
            f"{op}: the inputs' spatial sizes {tuple(x.shape[2:])} are too small for "
            f"kernel_size={tuple(kernel_size)} with dilation_rate={dilation} and padding='valid'; "
            "use a larger input or padding='same'.")


def _check_channels(op, x, expected, kernel):
    if x.shape[1] != expected:
        raise ValueError(
            f"{op}: the inputs have {x.shape[1]} channels but the kernel of shape "
            f"{tuple(kernel.shape)} expects {expected}. Check `data_format` and the kernel layout "
            "(Keras's: spatial dimensions first, then input and output channels).")


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1 to 3 spatial axes) with a Keras-layout kernel ``(*k, in // groups, out)``.

    The number of groups is ``in_channels // kernel.shape[-2]``; ``'same'``
    padding is TensorFlow's (the odd cell at the end).
    """
    x, (kernel,), rank, strides, padding, data_format, dilation = _conv_arguments(
        "conv", inputs, [kernel], strides, padding, data_format, dilation_rate)
    kernel_in = kernel.shape[-2]
    if x.shape[1] % kernel_in or kernel.shape[-1] % (x.shape[1] // kernel_in or 1):
        raise ValueError(
            f"conv: the inputs' {x.shape[1]} channels must be a multiple of the kernel's input "
            f"channels {kernel_in} (kernel shape {tuple(kernel.shape)}), and the kernel's output "
            "channels a multiple of the number of groups. Check `data_format` and the kernel "
            "layout (*kernel_size, in_channels // groups, out_channels).")
    _check_output_size("conv", x, kernel.shape[:-2], strides, padding, dilation)
    weight = conv_utils.torch_kernel(kernel)
    y = conv_utils.convolve(x, weight, None, strides, padding, dilation, x.shape[1] // kernel_in)
    return conv_utils.from_channels_first(y, data_format)


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution with a Keras kernel ``(*k, in, multiplier)``: ``in * multiplier`` outputs.

    Output channel ``c * multiplier + m`` comes from input channel ``c``.
    """
    x, (kernel,), rank, strides, padding, data_format, dilation = _conv_arguments(
        "depthwise_conv", inputs, [kernel], strides, padding, data_format, dilation_rate)
    in_channels, multiplier = kernel.shape[-2:]
    _check_channels("depthwise_conv", x, in_channels, kernel)
    _check_output_size("depthwise_conv", x, kernel.shape[:-2], strides, padding, dilation)
    weight = conv_utils.torch_depthwise_kernel(kernel)
    y = conv_utils.convolve(x, weight, None, strides, padding, dilation, in_channels)
    return conv_utils.from_channels_first(y, data_format)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution then a 1x1 convolution with ``pointwise_kernel`` ``(1.., in * mult, out)``.

    ``strides``, ``padding`` and ``dilation_rate`` apply to the depthwise step.
    """
    x, (dw, pw), rank, strides, padding, data_format, dilation = _conv_arguments(
        "separable_conv", inputs, [depthwise_kernel, pointwise_kernel], strides, padding,
        data_format, dilation_rate)
    in_channels, multiplier = dw.shape[-2:]
    _check_channels("separable_conv", x, in_channels, dw)
    _check_output_size("separable_conv", x, dw.shape[:-2], strides, padding, dilation)
    if pw.shape[-2] != in_channels * multiplier:
        raise ValueError(
            f"separable_conv: the pointwise kernel must take in_channels * depth_multiplier = "
            f"{in_channels * multiplier} channels (axis -2), got shape {tuple(pw.shape)}.")
    y = conv_utils.convolve(x, conv_utils.torch_depthwise_kernel(dw),
                            None, strides, padding, dilation, in_channels)
    y = conv_utils.convolve(y, conv_utils.torch_kernel(pw), None, (1,) * rank, "valid",
                            (1,) * rank, 1)
    return conv_utils.from_channels_first(y, data_format)


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution with a Keras kernel ``(*k, out, in)``, giving Keras's output window.

    ``'valid'`` gives ``(n - 1) * stride + max(kernel, stride)`` cells, ``'same'``
    ``n * stride``; ``output_padding`` sets the extra cells at the end explicitly.
    """
    x, (kernel,), rank, strides, padding, data_format, dilation = _conv_arguments(
        "conv_transpose", inputs, [kernel], strides, padding, data_format, dilation_rate)
    _check_channels("conv_transpose", x, kernel.shape[-1], kernel)
    if output_padding is not None:
        output_padding = conv_utils.standardize_tuple(
            output_padding, rank, "output_padding", allow_zero=True, owner="conv_transpose")
    # Keras (*k, out, in) -> torch (in, out, *k) is the same permutation as for conv kernels.
    weight = conv_utils.torch_kernel(kernel)
    y = conv_utils.convolve_transpose(x, weight, None, strides, padding, output_padding, dilation)
    return conv_utils.from_channels_first(y, data_format)


