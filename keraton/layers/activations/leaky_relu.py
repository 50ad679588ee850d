"""``LeakyReLU``: ``x`` for positive inputs, ``negative_slope * x`` otherwise."""

from __future__ import annotations

import warnings

import torch.nn.functional as F

from keraton.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit, as ``keras.layers.LeakyReLU`` (default slope 0.3).

    Keras 2's ``alpha`` argument is accepted (with Keras 3's deprecation
    warning) and becomes ``negative_slope``.

    Args:
        negative_slope: non-negative slope for negative inputs.

    Example:
        >>> keraton.layers.LeakyReLU()(torch.tensor([-1.0, 2.0]))
        tensor([-0.3000,  2.0000])
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a LeakyReLU layer cannot be None or negative. "
                f"Expected a float >= 0. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Apply the leaky rectifier."""
        return F.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: negative_slope."""
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
