"""``AlphaDropout``: dropout that keeps SELU's self-normalizing mean and variance."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer

_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Alpha dropout, as ``keras.layers.AlphaDropout``.

    In training, dropped entries are set to SELU's negative saturation value
    ``-alpha * scale`` and the result is mapped by ``a * x + b`` so that the
    mean and variance of inputs with zero mean and unit variance are kept
    (Keras's formula).  Identity in inference mode.

    Args:
        rate: drop probability, in ``[0, 1]``.
        noise_shape: shape of the keep mask, broadcast over the input
            (``None`` entries take the input's size).
        seed: optional integer seed.

    Example:
        >>> layer = keraton.layers.AlphaDropout(0.2, seed=0)
        >>> layer(torch.randn(4, 5), training=True).shape
        torch.Size([4, 5])
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate` of AlphaDropout. Expected a float "
                f"value between 0 and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        """Apply alpha dropout when ``training`` is true."""
        if not training or self.rate <= 0:
            return inputs
        shape = tuple(inputs.shape) if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        kept = torch.rand(shape, generator=self._generator).to(inputs.device) >= self.rate
        kept = kept.to(inputs.dtype)
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: rate, seed, noise_shape."""
        config = super().get_config()
        noise_shape = list(self.noise_shape) if self.noise_shape is not None else None
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": noise_shape})
        return config
