"""``BaseAdaptivePooling``: what the adaptive pooling layers share, as in Keras."""

from __future__ import annotations

import torch.nn.functional as F

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.pooling.base_pooling import to_channels_first, to_channels_last
from keraton.utils.argument_validation import standardize_data_format

_ADAPTIVE_POOL = {
    "average": {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d},
    "max": {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d},
}
_AXES = {1: "length", 2: "(height, width)", 3: "(depth, height, width)"}


def standardize_output_size(output_size, rank: int) -> tuple:
    """``output_size`` as a tuple of ``rank`` ints; refuses what Keras refuses, as Keras does.

    Keras accepts an int or a tuple/list of ``rank`` values; a 1D layer given
    a sequence of the wrong length raises ``ValueError``, every other refusal
    is a ``TypeError``.
    """
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        return (output_size,) * rank
    if isinstance(output_size, (tuple, list)):
        if len(output_size) == rank:
            return tuple(output_size)
        if rank == 1:
            raise ValueError(
                f"For 1D input, `output_size` tuple must have length 1. Received: {output_size}"
            )
    raise TypeError(
        f"`output_size` must be an integer or {_AXES[rank]} tuple of {rank} integers. "
        f"Received: {output_size!r} of type {type(output_size)}"
    )


class BaseAdaptivePooling(Layer):
    """Pool each spatial axis down to a fixed ``output_size``, as Keras's ``BaseAdaptivePooling``.

    Window ``i`` of an axis of length ``n`` pooled to ``m`` cells covers
    ``[floor(i * n / m), ceil((i + 1) * n / m))`` (windows may overlap), which is
    ``torch.nn.functional.adaptive_{avg,max}_pool{1,2,3}d``, the operation Keras's
    torch backend runs.  Channels_last inputs are pooled through a permuted view.

    Example:
        >>> keraton.layers.AdaptiveAveragePooling2D(2)(torch.zeros(1, 5, 7, 3)).shape
        torch.Size([1, 2, 2, 3])
    """

    def __init__(self, output_size, pool_dimensions, pool_mode, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = standardize_output_size(output_size, pool_dimensions)
        self.data_format = standardize_data_format(data_format)
        self._rank = pool_dimensions
        self._pool = _ADAPTIVE_POOL[pool_mode][pool_dimensions]
        # Keras checks no rank; a wrong one would make torch read the input as unbatched.
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        """Pool ``inputs`` to ``output_size`` (channels_last or channels_first as configured)."""
        rank = self._rank
        if self.data_format == "channels_last":
            return to_channels_last(self._pool(to_channels_first(inputs, rank), self.output_size),
                                    rank)
        return self._pool(inputs, self.output_size)

    def compute_output_shape(self, input_shape):
        """``(batch, *output_size, channels)``, or channels after batch for channels_first."""
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self) -> dict:
        """Keras 3's config: output_size (a tuple) and data_format."""
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, output_size={self.output_size}, "
                f"data_format={self.data_format!r}")
