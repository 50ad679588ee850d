"""``Dropout``: randomly zero inputs at rate ``rate`` during training (Keras's ``Dropout``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.layer import Layer


class Dropout(Layer):
    """Set inputs to 0 with probability ``rate`` in training and scale the rest by ``1/(1-rate)``.

    As in Keras, it is active only when training (inside ``fit`` or with
    ``training=True``); in inference it returns the input unchanged.
    ``noise_shape`` gives the shape of the binary mask, broadcast over the
    input (``None`` entries take the input's size).

    Example:
        >>> layer = keraton.layers.Dropout(0.5)
        >>> layer(torch.ones(2, 2))  # inference: unchanged
        tensor([[1., 1.],
                [1., 1.]])
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"Dropout `rate` must be a float in [0, 1], got {rate!r}.")
        self.rate = float(rate)
        self.supports_masking = True
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self._generator = None
        if seed is not None:
            self._generator = torch.Generator().manual_seed(int(seed))
        self.built = True

    def call(self, inputs, training=None):
        """Apply dropout when ``training`` is true."""
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None and self._generator is None:
            return _dropout(inputs, self.rate)
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)
        )
        keep = 1.0 - self.rate
        if keep == 0.0:  # rate 1 drops everything (and must not divide by zero)
            return torch.zeros_like(inputs)
        mask = torch.rand(shape, generator=self._generator, dtype=inputs.dtype).to(inputs.device) < keep
        return inputs * mask / keep

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: rate, noise_shape, seed."""
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": list(self.noise_shape) if self.noise_shape else None,
                       "seed": self.seed})
        return config


def _dropout(inputs, rate):
    """``F.dropout(inputs, rate)`` with the mask drawn by ``rand >= rate`` (same distribution).

    torch's CPU ``bernoulli_`` (which ``F.dropout`` draws its mask with) costs
    about 3x a uniform draw and a comparison; the mask is scaled by
    ``1 / (1 - rate)`` as ``F.dropout``'s is.
    """
    if inputs.device.type != "cpu":  # CUDA's fused dropout kernel is the fast one there
        return F.dropout(inputs, rate, True)
    keep = 1.0 - rate
    if keep == 0.0:
        return torch.zeros_like(inputs)
    return inputs * torch.rand_like(inputs).ge_(rate).div_(keep)
