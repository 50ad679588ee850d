"""``LocallyConnected1D`` / ``LocallyConnected2D``: convolutions whose weights are not shared.

Keras 2 layers (``tf.keras.layers.LocallyConnected1D/2D``, removed in Keras 3).
Each output position has its own filter bank. The three ``implementation``
modes of Keras 2 are kept with their weight shapes, so Keras 2 weight files
load unchanged:

* ``1``: ``kernel`` of shape ``(output positions, prod(kernel_size) * channels_in,
  filters)``, the patch flattened in the input's order (``(*window, channels)``
  for channels_last, ``(channels, *window)`` for channels_first);
* ``2``: a dense ``(*input_spatial, channels_in, *output_spatial, filters)`` kernel
  (channels_first: ``(channels_in, *input_spatial, filters, *output_spatial)``)
  multiplied by a fixed 0/1 connectivity mask;
* ``3``: only the connected entries, as a 1-D ``kernel`` in the sorted order of
  Keras's ``conv_kernel_idxs``.

The ``bias`` has shape ``(*output_spatial, filters)``; for channels_first Keras
2 adds it *reshaped* (not transposed) to ``(filters, *output_spatial)``, and so
does keraton.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from keraton import constraints, initializers, regularizers
from keraton.layers.convolutional import conv_utils
from keraton.layers.convolutional.base_conv import (
    channels_of,
    common_config,
    set_common_arguments,
    spatial_of,
    with_spatial,
)
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.utils.argument_validation import standardize_positive_int
from keraton.utils.keras2_names import warn_keras2_name


def _connected_range(size: int, kernel: int, stride: int, padding: str, out: int) -> tuple:
    """Input index range ``[start, end)`` that output ``out`` sees (Keras's ``conv_connected_inputs``)."""
    left = kernel // 2
    center = out * stride + (left if padding == "valid" else 0)
    return max(0, center - left), min(size, center + kernel - left)


def connectivity_mask(input_spatial, kernel_size, strides, padding, output_spatial) -> np.ndarray:
    """Boolean ``(*input_spatial, *output_spatial)`` mask of connected pairs (``conv_kernel_mask``)."""
    rank = len(input_spatial)
    mask = np.ones((1,) * (2 * rank), bool)
    for d, (size, k, s, n_out) in enumerate(zip(input_spatial, kernel_size, strides, output_spatial)):
        axis = np.zeros((size, n_out), bool)
        for o in range(n_out):
            start, end = _connected_range(size, k, s, padding, o)
            axis[start:end, o] = True
        shape = [1] * (2 * rank)
        shape[d], shape[rank + d] = size, n_out
        mask = mask & axis.reshape(shape)
    return mask


class BaseLocallyConnected(Layer):
    """Unshared N-D convolution, as Keras 2's ``LocallyConnected1D``/``LocallyConnected2D``.

    Args:
        rank: number of spatial dimensions.
        filters, kernel_size, strides, data_format, activation, use_bias,
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as in ``Conv1D``/``Conv2D``.
        padding: ``'valid'``; ``'same'`` only with ``implementation`` 2 or 3 (Keras 2).
        implementation: 1, 2 or 3 (see the module docstring); the weights'
            shapes depend on it, the outputs do not.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        warn_keras2_name(f"keras.layers.{owner}",
                         "`keras.layers.Conv1D`/`Conv2D` (Keras 3 has no unshared convolution)",
                         stacklevel=4)
        self.rank = rank
        self.filters = standardize_positive_int(filters, "filters", owner)
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, owner=owner)
        if implementation not in (1, 2, 3):
            raise ValueError(f"{owner}: `implementation` must be 1, 2 or 3, got {implementation!r}.")
        if self.padding != "valid" and implementation == 1:
            raise ValueError(
                f"{owner}: padding={padding!r} needs implementation=2 or 3; implementation=1 "
                "supports only padding='valid' (as in Keras 2)."
            )
        self.implementation = implementation
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        set_common_arguments(self, activation, use_bias, bias_initializer, bias_regularizer,
                             bias_constraint)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _output_spatial(self, input_shape) -> list:
        spatial = spatial_of(self, input_shape)
        if any(n is None for n in spatial):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs fully-defined spatial dimensions "
                f"(its weights depend on them), got input shape {tuple(input_shape)}."
            )
        out = [conv_utils.conv_output_length(n, k, s, self.padding, 1)
               for n, k, s in zip(spatial, self.kernel_size, self.strides)]
        if any(n <= 0 for n in out):
            raise ValueError(
                f"Input to layer '{self.name}' ({type(self).__name__}) is too small: input shape "
                f"{tuple(input_shape)} with kernel_size={self.kernel_size} would give output size "
                f"{tuple(out)}. Use a larger input."
            )
        return out

    def build(self, input_shape) -> None:
        """Create ``kernel`` (shape by ``implementation``) and ``bias`` ``(*output_spatial, filters)``."""
        out = tuple(self._output_spatial(input_shape))
        spatial = tuple(int(n) for n in spatial_of(self, input_shape))
        channels = channels_of(self, input_shape)
        last = self.data_format == "channels_last"
        self.output_spatial = out
        if self.implementation == 1:
            shape = (math.prod(out), math.prod(self.kernel_size) * channels, self.filters)
        elif self.implementation == 2:
            shape = ((*spatial, channels, *out, self.filters) if last
                     else (channels, *spatial, self.filters, *out))
            mask = connectivity_mask(spatial, self.kernel_size, self.strides, self.padding, out)
            mask = mask.reshape(spatial + (1,) + out + (1,) if last else (1,) + spatial + (1,) + out)
            self.register_buffer("kernel_mask", torch.from_numpy(mask.astype("float32")),
                                 persistent=False)
        else:
            rows, cols = self._sparse_indices(spatial, channels, out)
            self.register_buffer("kernel_rows", rows, persistent=False)
            self.register_buffer("kernel_cols", cols, persistent=False)
            shape = (len(rows),)
        self.kernel = self.add_weight(shape=shape, initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(*out, self.filters), initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _sparse_indices(self, spatial, channels, out):
        """(output index, input index) pairs of implementation 3, sorted as Keras's ``conv_kernel_idxs``."""
        pairs = np.argwhere(connectivity_mask(spatial, self.kernel_size, self.strides, self.padding, out))
        in_pos, out_pos = pairs[:, :self.rank], pairs[:, self.rank:]
        f_in, f_out = np.meshgrid(np.arange(channels), np.arange(self.filters), indexing="ij")
        f_in, f_out = f_in.reshape(1, -1), f_out.reshape(1, -1)
        if self.data_format == "channels_last":
            out_idx = np.ravel_multi_index((*out_pos.T[..., None], f_out), (*out, self.filters))
            in_idx = np.ravel_multi_index((*in_pos.T[..., None], f_in), (*spatial, channels))
        else:
            out_idx = np.ravel_multi_index((f_out, *out_pos.T[..., None]), (self.filters, *out))
            in_idx = np.ravel_multi_index((f_in, *in_pos.T[..., None]), (channels, *spatial))
        out_idx, in_idx = out_idx.ravel(), in_idx.ravel()
        order = np.lexsort((in_idx, out_idx))
        return torch.from_numpy(out_idx[order]), torch.from_numpy(in_idx[order])

    def call(self, inputs):
        """Apply each output position's own filters, add the bias, then the activation."""
        x = inputs.to(self.kernel.dtype)
        batch = x.shape[0]
        out_shape = with_spatial(self, (batch,), self.output_spatial, self.filters)
        if self.implementation == 1:
            y = self._local_conv(x)
        elif self.implementation == 2:
            kernel = (self.kernel * self.kernel_mask).reshape(-1, math.prod(out_shape[1:]))
            y = (x.reshape(batch, -1) @ kernel).reshape(out_shape)
        else:
            dense = self.kernel.new_zeros(math.prod(out_shape[1:]), x[0].numel())
            dense = dense.index_put((self.kernel_rows, self.kernel_cols), self.kernel)
            y = (x.reshape(batch, -1) @ dense.t()).reshape(out_shape)
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":  # Keras 2's bias_add reshapes, not transposes
                bias = bias.reshape(self.filters, *self.output_spatial)
            y = y + bias
        return y if self._act is None else self._act(y)

    def _local_conv(self, x):
        """Implementation 1: one batched matmul of every position's patch with its kernel (Keras's ``local_conv``)."""
        rank, last = self.rank, self.data_format == "channels_last"
        first_spatial = 1 if last else 2
        for d in range(rank):
            x = x.unfold(first_spatial + d, self.kernel_size[d], self.strides[d])
        # x: (batch, [channels,] *out, [channels,] *window) with channels before the windows
        out_axes = list(range(first_spatial, first_spatial + rank)) if last else list(range(2, 2 + rank))
        window_axes = list(range(2 + rank, 2 + 2 * rank))
        channel_axis = 1 + rank if last else 1
        patch_axes = window_axes + [channel_axis] if last else [channel_axis] + window_axes
        patches = x.permute(*out_axes, 0, *patch_axes)
        positions = math.prod(self.output_spatial)
        y = torch.bmm(patches.reshape(positions, x.shape[0], -1), self.kernel)
        y = y.reshape(*self.output_spatial, x.shape[0], self.filters)
        order = ([rank] + list(range(rank)) + [rank + 1] if last
                 else [rank, rank + 1] + list(range(rank)))
        return y.permute(*order)

    def compute_output_shape(self, input_shape):
        """``(batch, *output_spatial, filters)`` (channels_first: ``(batch, filters, *output_spatial)``)."""
        return with_spatial(self, input_shape, self._output_spatial(input_shape), self.filters)

    def get_config(self) -> dict:
        """Keras 2's config of the locally-connected layers."""
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        })
        config.update(common_config(self, kernel="kernel"))
        config["implementation"] = self.implementation
        return config


class LocallyConnected1D(BaseLocallyConnected):
    """Unshared 1-D convolution, as Keras 2's ``LocallyConnected1D`` (input ``(batch, steps, channels)``).

    Example:
        >>> layer = keraton.layers.LocallyConnected1D(4, 3)
        >>> layer(torch.ones(2, 10, 5)).shape, layer.kernel.shape
        (torch.Size([2, 8, 4]), torch.Size([8, 15, 4]))
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, **kwargs)


class LocallyConnected2D(BaseLocallyConnected):
    """Unshared 2-D convolution, as Keras 2's ``LocallyConnected2D`` (input ``(batch, rows, cols, channels)``).

    Example:
        >>> layer = keraton.layers.LocallyConnected2D(8, (3, 3))
        >>> layer(torch.ones(2, 6, 6, 3)).shape, layer.kernel.shape
        (torch.Size([2, 4, 4, 8]), torch.Size([16, 27, 8]))
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, **kwargs)
