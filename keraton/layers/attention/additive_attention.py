"""``AdditiveAttention``: Bahdanau-style attention over ``[query, value(, key)]`` (``keras.layers.AdditiveAttention``)."""

from __future__ import annotations

import torch

from keraton.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer (Bahdanau-style), as ``keras.layers.AdditiveAttention``.

    ``scores = sum(scale * tanh(query[:, :, None] + key[:, None]), -1)`` with a
    trainable ``scale`` vector of size ``dim`` (glorot-uniform initialised)
    when ``use_scale``; masking, softmax, dropout and the weighted sum of
    ``value`` are those of :class:`Attention`.

    Args:
        use_scale: create the trainable ``scale`` vector (default True).
        dropout: fraction of attention weights dropped in training.

    Example:
        >>> q, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
        >>> keraton.layers.AdditiveAttention()([q, v]).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)
        # Only the explicit-scores path applies: the fused kernel is for dot products.
        self.score_mode = "additive"

    def build(self, input_shape) -> None:
        """Create ``scale`` of shape ``(dim,)`` when ``use_scale``."""
        self._validate_inputs(input_shape)
        self.scale = self.add_weight(
            name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform",
        ) if self.use_scale else None
        self.built = True

    def _calculate_scores(self, query, key):
        summed = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is not None:
            summed = self.scale * summed
        return summed.sum(-1)

    def get_config(self) -> dict:
        """Keras 3's AdditiveAttention config (no ``score_mode``)."""
        config = super().get_config()
        del config["score_mode"]
        return config
