"""Keras 2's ``keras.utils.conv_utils`` module path: ``convert_kernel`` and the shape helpers.

Keras 2 programs flip Theano-trained kernels with ``convert_kernel`` and size
layers with ``conv_output_length`` & co. from here; Keras 3 has no such
module.  Importing it warns once.  (``keraton.layers.convolutional.conv_utils``
is keraton's internal module, with other signatures.)

Example:
    >>> from keraton.utils.conv_utils import convert_kernel   # Keras 2 spelling
    >>> convert_kernel(np.zeros((3, 3, 1, 8))).shape
    (3, 3, 1, 8)
"""

from __future__ import annotations

import numpy as np

from keraton import backend
from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.kernel_conversion import convert_kernel

__all__ = ["conv_input_length", "conv_output_length", "convert_kernel", "deconv_length",
           "deconv_output_length", "normalize_data_format", "normalize_padding", "normalize_tuple"]

_PADDINGS = ("valid", "same", "full", "causal")


def normalize_tuple(value, n, name):
    """``value`` (an int, or an iterable of ``n`` ints) as a tuple of ``n`` ints, as Keras 2.

    Raises ``ValueError`` naming ``name`` for another length or a non-integer.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    expected = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(expected) from None
    if len(values) != n:
        raise ValueError(expected)
    for item in values:
        try:
            int(item)
        except (TypeError, ValueError):
            raise ValueError(f"{expected} including element {item!r} of type {type(item)}") from None
    return values


def normalize_data_format(value):
    """``"channels_first"``/``"channels_last"`` (``None``: the global image data format), as Keras 2."""
    if value is None:
        value = backend.image_data_format()
    data_format = str(value).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            'The `data_format` argument must be one of "channels_first", "channels_last". '
            f"Received: {value}"
        )
    return data_format


def normalize_padding(value):
    """``"valid"``, ``"same"`` or ``"causal"`` in lower case, as Keras 2."""
    padding = str(value).lower()
    if padding not in ("valid", "same", "causal"):
        raise ValueError(
            'The `padding` argument must be one of "valid", "same" (or "causal", only for '
            f"`Conv1D`). Received: {value}"
        )
    return padding


def _check_padding(padding, allowed=_PADDINGS):
    if padding not in allowed:
        raise ValueError(f"padding must be one of {', '.join(map(repr, allowed))}; got {padding!r}.")


def _dilated(filter_size, dilation):
    return filter_size + (filter_size - 1) * (dilation - 1)


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Length of a convolution's output along one axis (``None`` stays ``None``), as Keras 2.

    ``padding`` is ``"same"``, ``"valid"``, ``"full"`` or ``"causal"``.
    """
    if input_length is None:
        return None
    _check_padding(padding)
    size = _dilated(filter_size, dilation)
    if padding == "valid":
        length = input_length - size + 1
    elif padding == "full":
        length = input_length + size - 1
    else:  # same, causal
        length = input_length
    return (length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """Length of a convolution's input that gives ``output_length`` (inverse of the above), as Keras 2."""
    if output_length is None:
        return None
    _check_padding(padding, ("same", "valid", "full"))
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_output_length(input_length, filter_size, padding, output_padding=None, stride=0,
                         dilation=1):
    """Length of a transposed convolution's output along one axis, as tf.keras 2's helper.

    Without ``output_padding`` the largest length consistent with the
    forward convolution; with it, the exact length.
    """
    if input_length is None:
        return None
    _check_padding(padding, ("same", "valid", "full"))
    size = _dilated(filter_size, dilation)
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(size - stride, 0)
        if padding == "full":
            return input_length * stride - (stride + size - 2)
        return input_length * stride
    pad = {"same": size // 2, "valid": 0, "full": size - 1}[padding]
    return (input_length - 1) * stride + size - 2 * pad + output_padding


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding=None, dilation=1):
    """Standalone Keras 2's name and argument order for :func:`deconv_output_length`."""
    return deconv_output_length(dim_size, kernel_size, padding, output_padding=output_padding,
                                stride=stride_size, dilation=dilation)


warn_keras2_name("keras.utils.conv_utils", "`numpy.flip` on the kernel's spatial axes")
