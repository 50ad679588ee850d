"""``BasePooling``: the shared machinery of Max/AveragePooling 1D, 2D and 3D (Keras's ``BasePooling``)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.utils.argument_validation import (
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def same_padding(length: int, pool: int, stride: int) -> tuple:
    """TF-style ``'same'`` padding of one axis: ``(before, after)``, the odd cell after."""
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + pool - length)
    return total // 2, total - total // 2


def pooled_length(length, pool: int, stride: int, padding: str):
    """Output length of one spatial axis (``None`` stays ``None``)."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    return (length - pool) // stride + 1


def to_channels_first(x: torch.Tensor, rank: int) -> torch.Tensor:
    """NHWC -> NCHW as a view: torch reads it as a channels_last-format tensor and copies nothing."""
    return x.permute(0, rank + 1, *range(1, rank + 1))


def to_channels_last(x: torch.Tensor, rank: int) -> torch.Tensor:
    """NCHW -> NHWC as a view (the inverse of :func:`to_channels_first`)."""
    return x.permute(0, *range(2, rank + 2), 1)


class BasePooling(Layer):
    """Max or average pooling over ``pool_dimensions`` spatial axes, as Keras's ``BasePooling``.

    ``strides`` defaults to ``pool_size``.  ``padding='same'`` pads as
    TensorFlow does (``ceil(length / stride)`` outputs, the odd padding cell at
    the end); max pooling never picks a padded cell and average pooling
    leaves padded cells out of the average.  Channels_last inputs are pooled
    through a permuted view (torch's channels_last memory format), so no
    layout copy is made.

    Example:
        >>> keraton.layers.MaxPooling2D()(torch.zeros(1, 4, 4, 3)).shape
        torch.Size([1, 2, 2, 3])
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides")
        if pool_mode not in ("max", "average"):
            raise ValueError(f"`pool_mode` must be 'max' or 'average', got {pool_mode!r}.")
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self._rank = pool_dimensions
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        """Pool ``inputs`` (channels_last or channels_first as configured)."""
        rank = self._rank
        channels_last = self.data_format == "channels_last"
        x = to_channels_first(inputs, rank) if channels_last else inputs
        try:
            out = self._max_pool(x) if self.pool_mode == "max" else self._average_pool(x)
        except RuntimeError:
            # torch refuses windows larger than the input; say so in Keras's terms.
            self.compute_output_shape(tuple(inputs.shape))
            raise
        return to_channels_last(out, rank) if channels_last else out

    def _paddings(self, x: torch.Tensor) -> list:
        return [same_padding(n, k, s) for n, k, s in zip(x.shape[2:], self.pool_size, self.strides)]

    def _max_pool(self, x):
        pool = _MAX_POOL[self._rank]
        if self.padding == "valid":
            return pool(x, self.pool_size, self.strides)
        pads = self._paddings(x)
        if all(a == b for a, b in pads):
            return pool(x, self.pool_size, self.strides, [a for a, _ in pads])
        return pool(F.pad(x, _flat(pads), value=-math.inf), self.pool_size, self.strides)

    def _average_pool(self, x):
        pool = _AVG_POOL[self._rank]
        if self.padding == "valid":
            return pool(x, self.pool_size, self.strides)
        pads = self._paddings(x)
        if all(a == b for a, b in pads):
            return pool(x, self.pool_size, self.strides, [a for a, _ in pads],
                        count_include_pad=False)
        # Asymmetric padding: torch pads symmetrically only, so pad explicitly with
        # zeros and divide by the fraction of real cells in each window.
        flat = _flat(pads)
        sums = pool(F.pad(x, flat), self.pool_size, self.strides)
        ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
        return sums / pool(F.pad(ones, flat), self.pool_size, self.strides)

    def compute_output_shape(self, input_shape):
        """Keras's pooling output shape (``None`` spatial sizes stay ``None``)."""
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i in range(self._rank):
            shape[first + i] = pooled_length(shape[first + i], self.pool_size[i], self.strides[i],
                                             self.padding)
            if shape[first + i] is not None and shape[first + i] <= 0:
                raise ValueError(
                    f"Input to layer '{self.name}' ({type(self).__name__}) is too small: expected "
                    f"spatial sizes of at least pool_size={self.pool_size} with padding='valid', "
                    f"got input shape {tuple(input_shape)}. Use a smaller pool_size or "
                    "padding='same'."
                )
        return tuple(shape)

    def get_config(self) -> dict:
        """Keras 3's pooling config: pool_size, padding, strides, data_format."""
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, pool_size={self.pool_size}, strides={self.strides}, "
                f"padding={self.padding!r}, data_format={self.data_format!r}")


def _flat(pads: list) -> list:
    """Per-axis ``(before, after)`` pairs as ``F.pad``'s list, last axis first."""
    out = []
    for before, after in reversed(pads):
        out.extend((before, after))
    return out
