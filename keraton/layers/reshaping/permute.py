"""``Permute``: reorder the non-batch axes (Keras's ``Permute``)."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer


class Permute(Layer):
    """Permute the non-batch axes of the input, as ``keras.layers.Permute``.

    The output is a view of the input (``torch.permute``); no data is copied.

    Args:
        dims: a permutation of ``1..rank-1`` (the batch axis 0 stays first),
            e.g. ``(2, 1)`` swaps the two axes of a ``(batch, a, b)`` input.

    Example:
        >>> keraton.layers.Permute((2, 1))(torch.zeros(4, 10, 64)).shape
        torch.Size([4, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims!r}."
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self._perm = (0,) + self.dims
        self.built = True

    def call(self, inputs):
        """Return ``inputs.permute(0, *dims)``."""
        return inputs.permute(self._perm)

    def compute_output_shape(self, input_shape):
        """The input shape with its non-batch axes reordered by ``dims``."""
        return tuple(input_shape[d] for d in self._perm)

    def get_config(self) -> dict:
        """Keras 3's config: dims."""
        config = super().get_config()
        config["dims"] = self.dims
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, dims={self.dims}"
