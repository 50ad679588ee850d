"""``ThresholdedReLU``: ``x`` where ``x > theta``, 0 elsewhere (Keras 2)."""

from __future__ import annotations

from keraton.layers.layer import Layer
from keraton.utils.keras2_names import warn_keras2_name


class ThresholdedReLU(Layer):
    """Thresholded rectified linear unit, as Keras 2's ``keras.layers.ThresholdedReLU``.

    ``f(x) = x`` for ``x > theta``, ``0`` otherwise (strictly greater: at
    ``x == theta`` the output is 0). Keras 3 removed the layer; its nearest
    equivalent there is ``ReLU(threshold=theta)``, which keeps ``x == theta``.

    Args:
        theta: non-negative float, the threshold (default 1.0).

    Example:
        >>> keraton.layers.ThresholdedReLU(theta=1.0)(torch.tensor([0.5, 1.0, 2.0]))
        tensor([0., 0., 2.])
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        warn_keras2_name("keras.layers.ThresholdedReLU", "`keras.layers.ReLU(threshold=...)`")
        if theta is None:
            raise ValueError("ThresholdedReLU: theta of None is not allowed. Expected a float >= 0, "
                             "got theta=None.")
        if theta < 0:
            raise ValueError(f"ThresholdedReLU: theta must be >= 0, got theta={theta!r}.")
        self.theta = float(theta)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Keep the inputs above ``theta``, zero the rest."""
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras 2's config: theta."""
        config = super().get_config()
        config["theta"] = self.theta
        return config
