"""Shared machinery of ``ZeroPadding1D/2D/3D`` and ``Cropping1D/2D/3D``: per-axis ``(before, after)`` amounts."""

from __future__ import annotations

import torch.nn.functional as F

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.utils.argument_validation import standardize_data_format


class BaseSpatialPairs(Layer):
    """A layer that adds (padding) or removes (cropping) cells at both ends of each spatial axis.

    ``self._pairs`` holds one ``(before, after)`` pair per spatial axis.
    Subclasses set it and write ``call``.

    Example:
        >>> keraton.layers.ZeroPadding2D(1)(torch.zeros(1, 2, 2, 3)).shape
        torch.Size([1, 4, 4, 3])
    """

    def __init__(self, rank: int, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self._rank = rank
        self._first = 1 if self.data_format == "channels_last" else 2
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def _spatial_axes(self):
        return range(self._first, self._first + self._rank)


class BaseZeroPadding(BaseSpatialPairs):
    """Pad each spatial axis with zeros, ``(before, after)`` cells per axis (Keras's ZeroPadding)."""

    def call(self, inputs):
        """``torch.nn.functional.pad`` with zeros on the spatial axes."""
        pad = [0] * (2 * inputs.dim())
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs):
            k = inputs.dim() - 1 - axis
            pad[2 * k], pad[2 * k + 1] = before, after
        return F.pad(inputs, pad[:2 * (inputs.dim() - self._first)])

    def compute_output_shape(self, input_shape):
        """The spatial sizes grown by the padding."""
        shape = list(input_shape)
        for axis, pair in zip(self._spatial_axes(), self._pairs):
            if shape[axis] is not None:
                shape[axis] += sum(pair)
        return tuple(shape)


class BaseCropping(BaseSpatialPairs):
    """Remove ``(before, after)`` cells at the ends of each spatial axis (Keras's Cropping)."""

    def _check(self, shape) -> None:
        for axis, pair in zip(self._spatial_axes(), self._pairs):
            if shape[axis] is not None and sum(pair) >= shape[axis]:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): the `cropping` values must be "
                    f"smaller than the spatial sizes of the input, got input shape "
                    f"{tuple(shape)} and cropping {self.cropping}."
                )

    def call(self, inputs):
        """Slice the input (a view: no copy)."""
        self._check(tuple(inputs.shape))
        index = [slice(None)] * inputs.dim()
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        """The spatial sizes shrunk by the cropping."""
        self._check(input_shape)
        shape = list(input_shape)
        for axis, pair in zip(self._spatial_axes(), self._pairs):
            if shape[axis] is not None:
                shape[axis] -= sum(pair)
        return tuple(shape)
