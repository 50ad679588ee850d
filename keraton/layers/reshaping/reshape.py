"""``Reshape``: reshape the non-batch dimensions (Keras's ``Reshape``)."""

from __future__ import annotations

import math

from keraton.layers.layer import Layer


class Reshape(Layer):
    """Reshape inputs to ``(batch,) + target_shape``; one entry may be ``-1``, as ``keras.layers.Reshape``.

    Example:
        >>> keraton.layers.Reshape((3, 4))(torch.zeros(2, 12)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d == 0 or d < -1 for d in target_shape):
            raise ValueError(
                f"Reshape `target_shape` may hold positive sizes and at most one -1, got {target_shape}."
            )
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or total % known:
                raise self._error(input_shape)
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise self._error(input_shape)
        return self.target_shape

    def _error(self, input_shape):
        return ValueError(
            f"Layer '{self.name}' (Reshape) cannot reshape an input of shape {tuple(input_shape)} "
            f"({math.prod(d for d in input_shape[1:])} values per sample) to target_shape "
            f"{self.target_shape}: the number of values must stay the same."
        )

    def call(self, inputs):
        """Return the input reshaped to ``(batch,) + target_shape``."""
        shape = self._resolve(tuple(inputs.shape))
        return inputs.reshape((inputs.shape[0],) + shape)

    def compute_output_shape(self, input_shape):
        """``(batch,) + target_shape`` with ``-1`` resolved."""
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self) -> dict:
        """Keras's config: target_shape."""
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
