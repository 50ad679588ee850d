"""``UnitNormalization``: scale each example to unit L2 norm over the given axes."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer


class UnitNormalization(Layer):
    """Divide each input by its L2 norm over ``axis``, as ``keras.layers.UnitNormalization``.

    Computes ``x * min(rsqrt(sum(x**2)), 1e12)`` (Keras's ``ops.normalize``
    with ``epsilon=1e-12``), so an all-zero slice stays zero.

    Args:
        axis: axis or list of axes to normalize over.

    Example:
        >>> keraton.layers.UnitNormalization()(torch.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                "UnitNormalization expected an int or a list/tuple of ints for the argument "
                f"'axis', got axis={axis!r}."
            )
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Return ``inputs`` divided by their L2 norm over ``axis``."""
        if not inputs.is_floating_point():
            inputs = inputs.float()
        inv_norm = torch.rsqrt(inputs.square().sum(dim=self.axis, keepdim=True))
        return inputs * torch.clamp(inv_norm, max=1e12)

    def compute_output_shape(self, input_shape):
        """Same as the input shape (the axes must exist)."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -len(input_shape) <= a < len(input_shape):
                raise ValueError(
                    f"Layer '{self.name}' (UnitNormalization): axis {self.axis} is out of bounds "
                    f"for input shape {tuple(input_shape)}."
                )
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: the axis."""
        config = super().get_config()
        config["axis"] = self.axis
        return config
