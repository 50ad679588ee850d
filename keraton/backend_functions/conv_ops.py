"""Keras 2 backend convolutions, pooling, padding and resizing (``K.conv2d``, ``K.pool2d``...).

tf.keras 2's functions with their arguments, kernel layouts and data formats:
kernels are Keras's ``(*kernel_size, in, out)`` (``conv2d_transpose``:
``(kh, kw, out, in)``; depthwise: ``(kh, kw, in, multiplier)``; the unshared
``local_conv`` kernels: ``(positions, prod(kernel_size) * in, out)``),
``data_format=None`` is :func:`keraton.backend.image_data_format`, and
``'same'`` pads as TensorFlow does (the odd cell at the end, padded cells never
counted by average pooling).  The shared convolution and pooling arithmetic is
:mod:`keraton.ops.nn.convolution`'s; everything is differentiable torch code.

Example:
    >>> from keraton import backend as K
    >>> K.conv2d(torch.ones(1, 4, 4, 1), torch.ones(3, 3, 1, 2), padding="same").shape
    torch.Size([1, 4, 4, 2])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from keraton.backend_functions.tensor_ops import _float, _t
from keraton.layers.convolutional import conv_utils
from keraton.ops.image_resampling import _keys_cubic, _lanczos, _sampling_weights
from keraton.ops.nn import convolution as nn_conv

__all__ = [
    "conv1d", "conv2d", "conv2d_transpose", "conv3d", "depthwise_conv2d", "local_conv1d",
    "local_conv2d", "pool2d", "pool3d", "resize_images", "resize_volumes", "separable_conv2d",
    "spatial_2d_padding", "spatial_3d_padding", "temporal_padding",
]
_TENSOR_FUNCTIONS = list(__all__)


def _check_rank(x: torch.Tensor, rank: int, op: str, layout: str) -> None:
    if x.ndim != rank:
        raise ValueError(f"{op} expects a {rank}D input {layout}, got shape {tuple(x.shape)}. "
                         f"Reshape the input or use the function for its rank.")


def _spatial_layout(rank: int) -> str:
    spatial = ", ".join(("depth", "rows", "cols")[3 - rank:]) if rank > 1 else "steps"
    return f"(batch, {spatial}, channels) or (batch, channels, {spatial})"


def _spatial_axes(rank: int, data_format: str) -> range:
    return range(1, rank + 1) if data_format == "channels_last" else range(2, rank + 2)


# --------------------------------------------------------------------------- convolutions


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1D convolution with a ``(kernel_size, in, out)`` kernel, as ``K.conv1d``.

    ``padding`` is ``'valid'``, ``'same'`` or ``'causal'`` (zeros before the
    steps only, so output step ``t`` sees inputs up to ``t``).
    """
    x, kernel = _t(x), _t(kernel)
    _check_rank(x, 3, "conv1d", _spatial_layout(1))
    data_format = conv_utils.standardize_data_format(data_format, owner="conv1d")
    padding = conv_utils.standardize_padding(padding, allow_causal=True, owner="conv1d")
    if padding == "causal":
        (dilation,) = conv_utils.standardize_tuple(dilation_rate, 1, "dilation_rate", owner="conv1d")
        left = dilation * (kernel.shape[0] - 1)
        x = _pad(x, {_spatial_axes(1, data_format)[0]: (left, 0)})
        padding = "valid"
    return nn_conv.conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2D convolution with a ``(kh, kw, in, out)`` kernel, as ``K.conv2d``."""
    x = _t(x)
    _check_rank(x, 4, "conv2d", _spatial_layout(2))
    return nn_conv.conv(x, _t(kernel), strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3D convolution with a ``(kd, kh, kw, in, out)`` kernel, as ``K.conv3d``."""
    x = _t(x)
    _check_rank(x, 5, "conv3d", _spatial_layout(3))
    return nn_conv.conv(x, _t(kernel), strides, padding, data_format, dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2D convolution with a ``(kh, kw, in, multiplier)`` kernel, as ``K.depthwise_conv2d``.

    Output channel ``c * multiplier + m`` comes from input channel ``c``.
    """
    x = _t(x)
    _check_rank(x, 4, "depthwise_conv2d", _spatial_layout(2))
    return nn_conv.depthwise_conv(x, _t(depthwise_kernel), strides, padding, data_format,
                                  dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise 2D convolution then a ``(1, 1, in * multiplier, out)`` one, as ``K.separable_conv2d``.

    ``strides``, ``padding`` and ``dilation_rate`` apply to the depthwise step.
    """
    x = _t(x)
    _check_rank(x, 4, "separable_conv2d", _spatial_layout(2))
    return nn_conv.separable_conv(x, _t(depthwise_kernel), _t(pointwise_kernel), strides,
                                  padding, data_format, dilation_rate)


def _output_spatial(output_shape, x: torch.Tensor, data_format: str, op: str) -> tuple:
    """The spatial sizes and channels of ``output_shape`` (batch, spatial..., channels in data_format)."""
    if isinstance(output_shape, torch.Tensor):
        output_shape = output_shape.tolist()
    sizes = [None if v is None else int(v) for v in output_shape]
    if len(sizes) != x.ndim:
        raise ValueError(f"{op}: `output_shape` must give the full output shape (batch included, "
                         f"{x.ndim} entries), got output_shape={tuple(output_shape)}.")
    if sizes[0] is not None and sizes[0] != x.shape[0]:
        raise ValueError(f"{op}: `output_shape` has batch size {sizes[0]} but the input has "
                         f"{x.shape[0]}; pass None or the input's batch size.")
    if data_format == "channels_last":
        return tuple(sizes[1:-1]), sizes[-1]
    return tuple(sizes[2:]), sizes[1]


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """Transposed 2D convolution to ``output_shape`` with a ``(kh, kw, out, in)`` kernel, as ``K.conv2d_transpose``.

    The gradient of :func:`conv2d` for an input of ``output_shape`` (batch first,
    in ``data_format``'s layout; its batch may be ``None``): ``output_shape``
    picks among the sizes a strided convolution maps to the input's size, and
    with it TensorFlow's ``'same'`` padding.
    """
    op = "conv2d_transpose"
    strides = conv_utils.standardize_tuple(strides, 2, "strides", owner=op)
    dilation = conv_utils.standardize_tuple(dilation_rate, 2, "dilation_rate", owner=op)
    if dilation != (1, 1) and (dilation[0] != dilation[1] or strides != (1, 1)):
        raise ValueError(f"{op}: a dilated transposed convolution needs equal dilation rates and "
                         f"strides (1, 1) (TensorFlow's atrous_conv2d_transpose), got "
                         f"dilation_rate={dilation_rate} and strides={strides}.")
    return conv_transpose(op, 2, x, kernel, output_shape, strides, padding, data_format, dilation)


def conv_transpose(op, rank, x, kernel, output_shape, strides, padding, data_format,
                   dilation=None):
    """The transposed convolution of ``K.conv2d_transpose``/``K.conv3d_transpose`` in ``rank`` dimensions.

    ``kernel`` is Keras's ``(*kernel_size, out, in)``; ``output_shape`` (batch
    first, in ``data_format``'s layout) picks the size among those a strided
    convolution maps to the input's, and ``'same'`` crops as TensorFlow pads.
    """
    x = _float(_t(x))
    kernel = _t(kernel).to(x.dtype)
    _check_rank(x, rank + 2, op, _spatial_layout(rank))
    layout = ", ".join(["k" + "dhw"[3 - rank + i] for i in range(rank)])
    if kernel.ndim != rank + 2:
        raise ValueError(f"{op} expects a kernel of shape ({layout}, out_channels, in_channels), "
                         f"got shape {tuple(kernel.shape)}.")
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    padding = conv_utils.standardize_padding(padding, owner=op)
    strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=op)
    dilation = dilation or (1,) * rank
    x = conv_utils.to_channels_first(x, data_format)
    spatial, channels = _output_spatial(output_shape, x, data_format, op)
    if x.shape[1] != kernel.shape[-1] or channels != kernel.shape[-2]:
        raise ValueError(f"{op}: the kernel of shape {tuple(kernel.shape)} maps "
                         f"{kernel.shape[-1]} input channels to {kernel.shape[-2]}, got inputs with "
                         f"{x.shape[1]} channels and output_shape={tuple(output_shape)}. Check "
                         f"`data_format` and the kernel layout ({layout}, out_channels, in_channels).")
    transpose = F.conv_transpose2d if rank == 2 else F.conv_transpose3d
    y = transpose(x, conv_utils.torch_kernel(kernel), stride=strides, dilation=dilation)
    index, pads = [slice(None), slice(None)], []
    for axis, (size, k, s, d) in enumerate(zip(spatial, kernel.shape[:rank], strides, dilation)):
        n = x.shape[2 + axis]
        expected = conv_utils.conv_output_length(size, k, s, padding, d)
        if expected != n:
            raise ValueError(f"{op}: output_shape={tuple(output_shape)} does not match the input: "
                             f"a {padding!r} convolution with kernel size {k}, stride {s} and "
                             f"dilation {d} maps {size} cells to {expected}, not {n}.")
        start = conv_utils.same_padding(size, k, s, d)[0] if padding == "same" else 0
        index.append(slice(start, start + size))
        pads.append(max(0, start + size - y.shape[2 + axis]))  # cells no input reaches
    y = y[tuple(index)]
    if any(pads):
        y = F.pad(y, [p for pad in reversed(pads) for p in (0, pad)])
    return conv_utils.from_channels_first(y, data_format)


# --------------------------------------------------------------------------- pooling


def _pool(op, x, pool_size, strides, padding, data_format, pool_mode, rank):
    x = _t(x)
    _check_rank(x, rank + 2, op, _spatial_layout(rank))
    if pool_mode == "max":
        return nn_conv.max_pool(x, pool_size, strides, padding, data_format)
    if pool_mode == "avg":
        return nn_conv.average_pool(x, pool_size, strides, padding, data_format)
    raise ValueError(f"{op}: `pool_mode` must be 'max' or 'avg', got pool_mode={pool_mode!r}.")


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2D max or average pooling (``pool_mode='max'``/``'avg'``), as ``K.pool2d``.

    ``strides`` defaults to ``(1, 1)`` (not ``pool_size``), as in tf.keras 2;
    ``'same'`` average pooling leaves the padded cells out of the average.
    """
    return _pool("pool2d", x, pool_size, strides, padding, data_format, pool_mode, 2)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3D max or average pooling (``pool_mode='max'``/``'avg'``), as ``K.pool3d``."""
    return _pool("pool3d", x, pool_size, strides, padding, data_format, pool_mode, 3)


# --------------------------------------------------------------------------- unshared weights


def _local_conv(op, inputs, kernel, kernel_size, strides, output_shape, data_format):
    """Each output position's patch times its own kernel slice (tf.keras 2's ``local_conv``).

    Patches are flattened as tf.keras 2 does: ``(*window, channels)`` for
    channels_last inputs, ``(channels, *window)`` for channels_first ones.
    """
    x = _float(_t(inputs))
    kernel = _t(kernel).to(x.dtype)
    rank = len(output_shape)
    _check_rank(x, rank + 2, op, _spatial_layout(rank))
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=op)
    strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=op)
    last = data_format == "channels_last"
    first = 1 if last else 2
    for d in range(rank):
        available = (x.shape[first + d] - kernel_size[d]) // strides[d] + 1
        if output_shape[d] > available:
            raise ValueError(
                f"{op}: inputs of shape {tuple(_t(inputs).shape)} have {max(available, 0)} "
                f"windows of size {kernel_size[d]} with stride {strides[d]} along spatial axis "
                f"{d}, but the output needs {output_shape[d]}. Check the kernel's first "
                "dimension, output_shape and data_format.")
        x = x.unfold(first + d, kernel_size[d], strides[d]).narrow(first + d, 0, output_shape[d])
    # x: (batch, [channels,] *out, [channels,] *window)
    out_axes = list(range(first, first + rank))
    window_axes = list(range(2 + rank, 2 + 2 * rank))
    feature_axes = window_axes + [1 + rank] if last else [1] + window_axes
    patches = x.permute(*out_axes, 0, *feature_axes).reshape(math.prod(output_shape), x.shape[0], -1)
    if kernel.ndim != 3 or tuple(kernel.shape[:2]) != tuple(patches.shape[::2]):
        raise ValueError(
            f"{op}: the kernel must have shape (output positions, prod(kernel_size) * channels, "
            f"filters) = ({patches.shape[0]}, {patches.shape[2]}, filters), got "
            f"{tuple(kernel.shape)}.")
    y = torch.bmm(patches, kernel).reshape(*output_shape, x.shape[0], kernel.shape[-1])
    order = [rank, *range(rank), rank + 1] if last else [rank, rank + 1, *range(rank)]
    return y.permute(*order)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """1D convolution with unshared weights, kernel ``(output_length, k * channels, filters)``, as ``K.local_conv1d``."""
    return _local_conv("local_conv1d", inputs, kernel, kernel_size, strides,
                       (int(_t(kernel).shape[0]),), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """2D convolution with unshared weights, kernel ``(rows * cols, kh * kw * channels, filters)``, as ``K.local_conv2d``.

    ``output_shape`` is ``(output_rows, output_cols)``.
    """
    return _local_conv("local_conv2d", inputs, kernel, kernel_size, strides,
                       tuple(int(v) for v in output_shape), data_format)


# --------------------------------------------------------------------------- resizing


def _gaussian(x):  # TensorFlow's resize kernel: sigma 0.5, radius 1.5
    return torch.where(x >= 1.5, 0.0, torch.exp(-2.0 * x * x))


def _mitchell_cubic(x):  # Mitchell-Netravali cubic, B = C = 1/3
    near = ((7.0 / 6.0 * x - 2.0) * x) * x + 8.0 / 9.0
    far = ((-7.0 / 18.0 * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    return torch.where(x >= 2.0, 0.0, torch.where(x >= 1.0, far, near))


# Kernels of TensorFlow's ScaleAndTranslate resampling ('nearest' and 'area' are a repeat
# for integer factors, 'bilinear' is torch's, 'bicubic' is _bicubic_weights).
_RESIZE_KERNELS = {
    "gaussian": _gaussian,
    "lanczos3": lambda x: _lanczos(3.0, x), "lanczos5": lambda x: _lanczos(5.0, x),
    "mitchellcubic": _mitchell_cubic,
}
_INTERPOLATIONS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5",
                   "mitchellcubic", "nearest")


def _bicubic_weights(size: int, factor: int) -> torch.Tensor:
    """``(size, size * factor)`` weights of TensorFlow's half-pixel bicubic resize.

    Keys cubic (a = -0.5) over the 4 nearest input cells, taps outside the
    image dropped and the rest renormalized; TensorFlow reads the weights from
    a table of 1024 steps per cell, so the fractional offset is rounded so too.
    """
    centers = (torch.arange(size * factor, dtype=torch.float64) + 0.5) / factor - 0.5
    first = torch.floor(centers)
    offset = torch.round((centers - first) * 1024) / 1024
    taps = first[:, None].long() + torch.arange(-1, 3)
    distances = torch.stack([1 + offset, offset, 1 - offset, 2 - offset], dim=1)
    weights = _keys_cubic(distances) * ((taps >= 0) & (taps < size))
    weights = weights / weights.sum(dim=1, keepdim=True)
    matrix = torch.zeros(size * factor, size, dtype=torch.float64)
    return matrix.scatter_add_(1, taps.clamp(0, size - 1), weights).t()


def _factor(value, name: str, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{op}: `{name}` must be a positive integer, got {name}={value!r}.")
    return value


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Upscale the rows and columns of a 4D tensor by integer factors, as ``K.resize_images``.

    ``interpolation`` is one of tf.keras 2's: ``'nearest'`` and ``'area'``
    repeat pixels; ``'bilinear'``, ``'bicubic'``, ``'gaussian'``, ``'lanczos3'``,
    ``'lanczos5'`` and ``'mitchellcubic'`` sample ``tf.image.resize``'s
    half-pixel positions with its kernels.
    """
    op = "resize_images"
    x = _t(x)
    _check_rank(x, 4, op, _spatial_layout(2))
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    factors = (_factor(height_factor, "height_factor", op), _factor(width_factor, "width_factor", op))
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: `interpolation` must be one of {_INTERPOLATIONS}, "
                         f"got interpolation={interpolation!r}.")
    x = conv_utils.to_channels_first(x, data_format)
    if interpolation in ("nearest", "area"):
        y = x.repeat_interleave(factors[0], dim=2).repeat_interleave(factors[1], dim=3)
        y = _float(y) if interpolation == "area" else y
    elif interpolation == "bilinear":
        y = F.interpolate(_float(x), scale_factor=factors, mode="bilinear", align_corners=False)
    else:
        y = _float(x)
        weights = []
        for size, factor in zip(x.shape[2:], factors):
            if interpolation == "bicubic":
                w = _bicubic_weights(size, factor)
            else:
                scale = torch.tensor(float(factor), dtype=torch.float64)
                w = _sampling_weights(size, size * factor, scale,
                                      torch.zeros((), dtype=torch.float64),
                                      _RESIZE_KERNELS[interpolation], antialias=False)
            weights.append(w.to(device=y.device, dtype=y.dtype))
        y = torch.einsum("nchw,hp,wq->ncpq", y, *weights)
    return conv_utils.from_channels_first(y, data_format)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Repeat the depth, rows and columns of a 5D tensor by integer factors, as ``K.resize_volumes``."""
    op = "resize_volumes"
    x = _t(x)
    _check_rank(x, 5, op, _spatial_layout(3))
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    factors = (_factor(depth_factor, "depth_factor", op),
               _factor(height_factor, "height_factor", op),
               _factor(width_factor, "width_factor", op))
    for axis, factor in zip(_spatial_axes(3, data_format), factors):
        x = x.repeat_interleave(factor, dim=axis)
    return x


# --------------------------------------------------------------------------- zero padding


def _pad(x: torch.Tensor, pairs: dict) -> torch.Tensor:
    """Zero-pad ``x`` by ``{axis: (before, after)}``."""
    flat = []
    for axis in reversed(range(min(pairs), x.ndim)):
        flat.extend(pairs.get(axis, (0, 0)))
    return F.pad(x, flat)


def _padding_pairs(padding, rank: int, op: str) -> list:
    """``padding`` as ``rank`` pairs of non-negative ints (``rank=0``: one pair)."""
    expected = "a pair of non-negative integers" if rank == 0 else \
        f"a tuple of {rank} pairs of non-negative integers"
    try:
        pairs = [tuple(padding)] if rank == 0 else [tuple(pair) for pair in padding]
    except TypeError:
        pairs = []
    if len(pairs) != max(rank, 1) or not all(
            len(p) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in p)
            for p in pairs):
        raise ValueError(f"{op}: `padding` must be {expected}, got padding={padding!r}.")
    return pairs


def temporal_padding(x, padding=(1, 1)):
    """Zero-pad the steps axis (axis 1) of a 3D tensor by ``(before, after)``, as ``K.temporal_padding``."""
    x = _t(x)
    _check_rank(x, 3, "temporal_padding", "(batch, steps, features)")
    return _pad(x, {1: _padding_pairs(padding, 0, "temporal_padding")[0]})


def _spatial_padding(op, x, padding, data_format, rank):
    x = _t(x)
    _check_rank(x, rank + 2, op, _spatial_layout(rank))
    pairs = _padding_pairs(padding, rank, op)
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    return _pad(x, dict(zip(_spatial_axes(rank, data_format), pairs)))


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad rows and columns of a 4D tensor by ``((top, bottom), (left, right))``, as ``K.spatial_2d_padding``."""
    return _spatial_padding("spatial_2d_padding", x, padding, data_format, 2)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pad depth, rows and columns of a 5D tensor by three ``(before, after)`` pairs, as ``K.spatial_3d_padding``."""
    return _spatial_padding("spatial_3d_padding", x, padding, data_format, 3)
