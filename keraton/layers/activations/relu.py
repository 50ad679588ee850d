"""``ReLU``: rectified linear unit layer with Keras's max_value, negative_slope and threshold."""

from __future__ import annotations

from keraton import activations
from keraton.layers.layer import Layer


class ReLU(Layer):
    """Rectified linear unit, as ``keras.layers.ReLU``.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x <
    max_value`` and ``negative_slope * (x - threshold)`` otherwise (computed
    by ``keraton.activations.relu``, in Keras's order of steps).

    Args:
        max_value: non-negative upper bound, or ``None``.
        negative_slope: non-negative slope below the threshold.
        threshold: non-negative threshold.

    Example:
        >>> keraton.layers.ReLU(max_value=1.0)(torch.tensor([-1.0, 0.5, 3.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "negative_slope of a ReLU layer cannot be None or a negative value. "
                f"Received: negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                "threshold of a ReLU layer cannot be None or a negative value. "
                f"Received: threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Apply the rectifier."""
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: max_value, negative_slope, threshold."""
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
