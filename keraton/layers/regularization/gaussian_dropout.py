"""``GaussianDropout``: multiplicative 1-centred Gaussian noise during training."""

from __future__ import annotations

import math

import torch

from keraton.layers.layer import Layer


class GaussianDropout(Layer):
    """Multiply inputs by noise drawn from ``N(1, rate / (1 - rate))`` in training, as ``keras.layers.GaussianDropout``.

    Identity in inference mode.

    Args:
        rate: drop probability of the equivalent dropout, in ``[0, 1]``.
        seed: optional integer seed.

    Example:
        >>> layer = keraton.layers.GaussianDropout(0.2, seed=1)
        >>> layer(torch.ones(2, 3)).sum()  # inference: unchanged
        tensor(6.)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate` of GaussianDropout. Expected a float "
                f"value between 0 and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        """Apply the multiplicative noise when ``training`` is true."""
        if not training or self.rate <= 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = torch.randn(inputs.shape, generator=self._generator, dtype=inputs.dtype)
        return inputs * (noise.to(inputs.device) * stddev + 1.0)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: rate, seed."""
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
