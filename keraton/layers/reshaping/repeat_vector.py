"""``RepeatVector``: repeat a ``(batch, features)`` input ``n`` times (Keras's ``RepeatVector``)."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer


class RepeatVector(Layer):
    """Repeat the input ``n`` times along a new axis 1, as ``keras.layers.RepeatVector``.

    The output is a broadcast view of the input (``expand``), not a copy.

    Args:
        n: the number of repetitions, a positive int.

    Shape:
        input ``(batch, features)`` -> output ``(batch, n, features)``.

    Example:
        >>> keraton.layers.RepeatVector(3)(torch.zeros(2, 32)).shape
        torch.Size([2, 3, 32])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector expects an integer value for `n`, got {type(n).__name__}.")
        if n <= 0:
            raise ValueError(f"RepeatVector argument `n` should be a positive integer. Received: n={n}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        """Return ``inputs`` repeated ``n`` times along axis 1."""
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def compute_output_shape(self, input_shape):
        """``(batch, n, features)``."""
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        """Keras 3's config: n."""
        config = super().get_config()
        config["n"] = self.n
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, n={self.n}"
