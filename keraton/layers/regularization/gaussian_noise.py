"""``GaussianNoise``: additive zero-centred Gaussian noise during training."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer


class GaussianNoise(Layer):
    """Add noise drawn from ``N(0, stddev**2)`` in training, as ``keras.layers.GaussianNoise``.

    Identity in inference mode.  As Keras 3, ``stddev`` must lie in ``[0, 1]``.

    Args:
        stddev: standard deviation of the noise.
        seed: optional integer seed.

    Example:
        >>> layer = keraton.layers.GaussianNoise(0.1)
        >>> layer(torch.zeros(2, 3), training=True).std() > 0
        tensor(True)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(
                "Invalid value received for argument `stddev` of GaussianNoise. Expected a float "
                f"value between 0 and 1. Received: stddev={stddev}"
            )
        self.stddev = stddev
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        """Add the noise when ``training`` is true."""
        if not training or self.stddev <= 0:
            return inputs
        noise = torch.randn(inputs.shape, generator=self._generator, dtype=inputs.dtype)
        return inputs + noise.to(inputs.device) * self.stddev

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: stddev, seed."""
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
