"""``ELU``: exponential linear unit layer."""

from __future__ import annotations

import torch.nn.functional as F

from keraton.layers.layer import Layer


class ELU(Layer):
    """Exponential linear unit, as ``keras.layers.ELU``: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Unlike Keras 3, whose ``get_config`` omits ``alpha`` (so a reloaded
    layer silently falls back to ``alpha=1``), the config holds ``alpha``.

    Args:
        alpha: scale of the negative part.

    Example:
        >>> keraton.layers.ELU(alpha=2.0)(torch.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Apply ELU."""
        return F.elu(inputs, alpha=float(self.alpha))

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's base config plus ``alpha`` (see the class docstring)."""
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
