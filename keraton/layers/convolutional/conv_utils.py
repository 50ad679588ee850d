"""Argument standardisation, padding arithmetic and weight layout for the convolution layers.

Written once here and used by every convolution layer: Keras's
``standardize_tuple`` / ``standardize_padding`` / ``standardize_data_format``,
TF-style asymmetric "same" padding, Keras's (JAX-style) transposed-convolution
cropping, the output-shape formulas, and kernels kept in Keras's shape but
torch's memory order (handed to torch as views).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import backend

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_CHANNELS_LAST_FORMAT = {2: torch.channels_last, 3: torch.channels_last_3d}


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False, owner: str = "") -> tuple:
    """Turn an int or a sequence of ``n`` ints into a tuple of ``n`` ints, as Keras's ``standardize_tuple``."""
    where = f"{owner}: " if owner else ""
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise TypeError(
                f"{where}the `{name}` argument must be a tuple of {n} integers, "
                f"got {name}={value!r}."
            ) from None
        if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError(
                f"{where}the `{name}` argument must be a tuple of {n} integers, "
                f"got {name}={value!r}."
            )
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(
            f"{where}the `{name}` argument must contain only integers >= {low}, got {name}={value!r}."
        )
    return values


def standardize_padding(value, allow_causal: bool = False, owner: str = "") -> str:
    """Return ``'valid'``, ``'same'`` (or ``'causal'`` where allowed), lower-cased, as Keras does."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        where = f"{owner}: " if owner else ""
        raise ValueError(f"{where}the `padding` argument must be one of {allowed}, got padding={value!r}.")
    return padding


def standardize_data_format(value, owner: str = "") -> str:
    """``None`` -> ``backend.image_data_format()``; otherwise ``'channels_last'`` or ``'channels_first'``."""
    if value is None:
        return backend.image_data_format()
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_last", "channels_first"):
        where = f"{owner}: " if owner else ""
        raise ValueError(
            f"{where}the `data_format` argument must be 'channels_last' or 'channels_first', "
            f"got data_format={value!r}."
        )
    return data_format


def memory_format(rank: int, data_format: str):
    """How kernels are laid out in memory: a function making a torch-layout kernel so.

    For channels_last data, channels_last memory format (2-D/3-D), and for
    1-D kernels ``(O, I, k)`` the strides whose height-1 view ``(O, I, 1, k)``
    is channels_last, since 1-D convolutions run as 2-D ones (see
    :func:`_lift_1d`).  Then torch never converts the kernel per call.
    """
    if data_format != "channels_last":
        return lambda w: w.contiguous()
    if rank == 1:
        return lambda w: w.transpose(1, 2).contiguous().transpose(1, 2)
    fmt = _CHANNELS_LAST_FORMAT[rank]
    return lambda w: w.contiguous(memory_format=fmt)


def same_padding(length: int, kernel: int, stride: int, dilation: int) -> tuple:
    """TF's "same" padding ``(left, right)`` along one axis: the odd pixel goes at the end."""
    effective = (kernel - 1) * dilation + 1
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + effective - length)
    return total // 2, total - total // 2


def conv_output_length(length, kernel: int, stride: int, padding: str, dilation: int):
    """Output length of a convolution along one axis (Keras's ``compute_conv_output_shape``)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (length - effective) // stride + 1 if length >= effective else 0
    return -(-length // stride)  # same and causal


def transpose_output_length(length, kernel: int, stride: int, padding: str, output_padding, dilation: int):
    """Output length of a transposed convolution along one axis (Keras's formula)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return (length - 1) * stride + effective + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + effective % 2 + output_padding


def transpose_crops(kernel: int, stride: int, padding: str, output_padding, dilation: int) -> tuple:
    """``(left, right)`` amounts Keras removes from torch's unpadded transposed output (negative: zeros added)."""
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        left, right = effective - 1, effective - 1 + extra
    else:
        if output_padding is None:
            total = stride + effective - 2
        else:
            total = effective + effective % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, effective - 1)
        right = total - left
    return effective - 1 - left, effective - 1 - right


def to_channels_first(x: torch.Tensor, data_format: str) -> torch.Tensor:
    """A channels-first *view* of ``x``: for channels_last data torch then sees channels_last memory."""
    return x.movedim(-1, 1) if data_format == "channels_last" else x


def from_channels_first(y: torch.Tensor, data_format: str) -> torch.Tensor:
    """The inverse view of :func:`to_channels_first`."""
    return y.movedim(1, -1) if data_format == "channels_last" else y


def convolve(x, weight, bias, strides, padding, dilation, groups):
    """Run torch's convolution on channels-first ``x`` with Keras's padding modes.

    ``padding`` is ``'valid'``, ``'same'`` (TF-style, asymmetric when needed:
    then ``F.pad`` first) or ``'causal'`` (left padding only).  1-D
    convolutions run as 2-D ones over a height-1 view (see :func:`_lift_1d`).
    """
    rank = x.dim() - 2
    kernel = weight.shape[2:]
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal":
        pads = [((kernel[0] - 1) * dilation[0], 0)]
    else:
        pads = [same_padding(x.shape[2 + i], kernel[i], strides[i], dilation[i]) for i in range(rank)]
    if all(k == 1 for k in kernel) and max(strides) > 1:
        x, strides = _subsample_for_1x1(x, strides)
    if rank == 1:
        x, weight, strides, dilation, pads = _lift_1d(x, weight, strides, dilation, pads)
    conv = _CONV[x.dim() - 2]
    if all(left == right for left, right in pads):
        y = conv(x, weight, bias, strides, [left for left, _ in pads], dilation, groups)
    else:
        flat = [p for pair in reversed(pads) for p in pair]
        y = conv(F.pad(x, flat), weight, bias, strides, 0, dilation, groups)
    return y.squeeze(2) if rank == 1 else y


def _subsample_for_1x1(x, strides):
    """A strided 1x1 convolution's input subsampled, and stride 1: the same convolution.

    A kernel of size 1 reads exactly the pixels ``x[..., ::stride]`` (its
    "same" padding is always zero).  torch 2's backward of a strided 1x1
    convolution on a channels_last input corrupts the heap (crashes or hangs:
    a ResNet's projection shortcut ``Conv2D(f, 1, strides=2)`` hits it), so
    keraton never hands torch that case.
    """
    index = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)
    return x[index], (1,) * len(strides)


def _lift_1d(x, weight, strides, dilation, pads):
    """A 1-D convolution's arguments as a 2-D one's over a height-1 view.

    For channels_last data the ``(N, C, 1, L)`` view of an ``(N, L, C)`` tensor
    is in torch's channels_last memory format, which conv2d runs without
    copying; torch's conv1d copies such a view to contiguous first (measured
    1.7x slower forward + backward).
    """
    return (x.unsqueeze(2), weight.unsqueeze(2), (1, *strides), (1, *dilation), [(0, 0), *pads])


def convolve_transpose(x, weight, bias, strides, padding, output_padding, dilation):
    """Torch's transposed convolution on channels-first ``x`` giving exactly Keras's output window.

    One torch call when Keras's crops are expressible as torch's ``padding``
    and ``output_padding``; otherwise the unpadded result is sliced and
    zero-padded, as Keras's torch backend does.
    """
    rank = x.dim() - 2
    if rank == 1:  # as a 2-D transposed convolution, see _lift_1d
        return convolve_transpose(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, *strides), padding,
                                  None if output_padding is None else (0, *output_padding),
                                  (1, *dilation)).squeeze(2)
    kernel = weight.shape[2:]
    crops = [
        transpose_crops(kernel[i], strides[i], padding,
                        None if output_padding is None else output_padding[i], dilation[i])
        for i in range(rank)
    ]
    conv = _CONV_TRANSPOSE[rank]
    torch_pad = [left for left, _ in crops]
    torch_out_pad = [left - right for left, right in crops]
    if all(p >= 0 for p in torch_pad) and all(
        0 <= op < max(s, d) for op, s, d in zip(torch_out_pad, strides, dilation)
    ):
        return conv(x, weight, bias, strides, torch_pad, torch_out_pad, 1, dilation)
    y = conv(x, weight, None, strides, 0, 0, 1, dilation)
    index = [slice(None), slice(None)]
    index += [slice(max(0, left), -right if right > 0 else None) for left, right in crops]
    y = y[tuple(index)]
    if any(left < 0 or right < 0 for left, right in crops):
        y = F.pad(y, [max(0, -p) for pair in reversed(crops) for p in pair])
    if bias is not None:
        # Zero-extended positions get the bias too: Keras adds it after the op.
        y = y + bias.reshape((1, -1) + (1,) * rank)
    return y


def torch_kernel(kernel):
    """A Keras kernel ``(*k, in, out)`` as torch's ``(out, in, *k)``: a view.

    Also maps a transposed convolution's Keras ``(*k, out, in)`` to torch's
    ``(in, out, *k)``.  For kernels made by :func:`add_kernel` the view has the
    strides torch prefers, so the convolution reads it without a copy.
    """
    rank = kernel.dim() - 2
    return kernel.permute(rank + 1, rank, *range(rank))


def torch_depthwise_kernel(kernel):
    """A Keras depthwise kernel ``(*k, in, multiplier)`` as torch's ``(in * multiplier, 1, *k)``."""
    rank = kernel.dim() - 2
    w = kernel.permute(rank, rank + 1, *range(rank))
    return w.reshape((-1, 1) + tuple(w.shape[2:]))


def _keras_from_conv(w):
    """Inverse of :func:`torch_kernel`."""
    rank = w.dim() - 2
    return w.permute(*range(2, rank + 2), 1, 0)


def conv_layout():
    """The ``(torch -> Keras, Keras -> torch)`` view pair of the convolution kernels."""
    return _keras_from_conv, torch_kernel


def depthwise_layout(in_channels: int, multiplier: int):
    """The ``(torch -> Keras, Keras -> torch)`` view pair of a depthwise kernel."""

    def to_keras(w):
        rank = w.dim() - 2
        w = w.reshape((in_channels, multiplier) + tuple(w.shape[2:]))
        return w.permute(*range(2, rank + 2), 0, 1)

    return to_keras, torch_depthwise_kernel


def add_kernel(layer, name, keras_shape, layout, fmt, initializer, regularizer, constraint):
    """``add_weight`` for a convolution kernel: Keras's shape, torch's memory order.

    The variable has Keras's shape (``layer.kernel.shape``, ``ops.shape``,
    ``numpy()``, files and constraints all see Keras's layout) and strides
    chosen so that ``layout[1](kernel)`` -- the view the layer hands torch -- is
    in the memory format ``fmt`` gives (channels_last for channels_last data).
    So neither the call nor its backward copies the kernel.
    """
    to_keras, to_torch = layout
    param = layer.add_weight(name=name, shape=keras_shape, initializer=initializer,
                             regularizer=regularizer, constraint=constraint)
    with torch.no_grad():
        param.data = to_keras(fmt(to_torch(param.data)))
    return param
