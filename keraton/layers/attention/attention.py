"""``Attention``: dot-product (Luong-style) attention over ``[query, value(, key)]`` (``keras.layers.Attention``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer


def attention_dropout(weights, rate, generator=None):
    """Drop attention weights with probability ``rate`` and rescale the rest (Keras's dropout)."""
    if generator is None:
        return F.dropout(weights, rate, training=True)
    keep = torch.rand(weights.shape, generator=generator, dtype=weights.dtype).to(weights.device)
    return torch.where(keep >= rate, weights / (1.0 - rate), torch.zeros_like(weights))


def causal_mask(q_len: int, k_len: int, device=None) -> torch.Tensor:
    """Boolean ``(1, q_len, k_len)`` mask, True where ``row >= col`` (Keras's causal mask)."""
    return torch.ones(q_len, k_len, dtype=torch.bool, device=device).tril().unsqueeze(0)


class Attention(Layer):
    """Dot-product attention layer (Luong-style), as ``keras.layers.Attention``.

    ``scores = query @ key^T`` (times a learned scalar ``scale`` when
    ``use_scale``), or for ``score_mode="concat"``
    ``concat_score_weight * sum(tanh(scale * (query + key)), -1)``; value
    positions masked out get ``scores - 1e9``; ``softmax``; optional dropout
    in training; ``output = weights @ value``, zeroed at masked query
    positions.  With ``score_mode="dot"`` and no scores to return or dropout
    to apply, the work runs in ``torch.nn.functional.scaled_dot_product_attention``.

    Args:
        use_scale: create a trainable scalar ``scale`` (initialised to 1).
        score_mode: ``"dot"`` or ``"concat"``.
        dropout: fraction of attention weights dropped in training.
        seed: integer seed for the dropout.

    Call arguments:
        inputs: ``[query (B, Tq, dim), value (B, Tv, dim)]`` or ``[query, value, key]``.
        mask: ``[query_mask (B, Tq), value_mask (B, Tv)]``; by default the
            ``_keras_mask`` of the inputs, as Keras does.
        training, return_attention_scores, use_causal_mask: as in Keras.

    Shape:
        output ``(B, Tq, dim)``; scores ``(B, Tq, Tv)``.

    Example:
        >>> q, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
        >>> keraton.layers.Attention()([q, v]).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): invalid score_mode {score_mode!r}; "
                "expected one of {'dot', 'concat'}."
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None

    def build(self, input_shape) -> None:
        """Create ``scale`` and, for ``score_mode="concat"``, ``concat_score_weight`` (scalars, ones)."""
        self._validate_inputs(input_shape)
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones",
        ) if self.score_mode == "concat" else None
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            return scores * self.scale if self.scale is not None else scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.tanh(summed).sum(-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        """Attend from ``query`` to ``value`` (see the class docstring)."""
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        if mask is None:
            mask = [getattr(t, "_keras_mask", None) for t in inputs]
        q_mask, v_mask = mask[0], mask[1]
        scores_mask = None
        if v_mask is not None:
            scores_mask = v_mask.bool().unsqueeze(-2)
        if use_causal_mask:
            causal = causal_mask(q.shape[-2], k.shape[-2], q.device)
            scores_mask = causal if scores_mask is None else scores_mask & causal
        dropping = bool(training) and self.dropout > 0
        if self.score_mode == "dot" and not return_attention_scores and not dropping:
            output, weights = self._fused(q, k, v, scores_mask), None
        else:
            scores = self._calculate_scores(q, k)
            if scores_mask is not None:
                big = 65504.0 if scores.dtype == torch.float16 else 1.0e9
                scores = torch.where(scores_mask, scores, scores - big)
            weights = torch.softmax(scores, dim=-1)
            if dropping:
                weights = attention_dropout(weights, self.dropout, self._generator)
            output = torch.matmul(weights, v)
        if q_mask is not None:
            output = torch.where(q_mask.bool().unsqueeze(-1), output, torch.zeros((), dtype=output.dtype))
        return (output, weights) if return_attention_scores else output

    def _fused(self, q, k, v, scores_mask):
        # An additive -1e9 is exactly Keras's ``scores - 1e9`` on masked positions.
        bias = None
        if scores_mask is not None:
            big = 65504.0 if q.dtype == torch.float16 else 1.0e9
            bias = torch.where(scores_mask, torch.zeros((), dtype=q.dtype), torch.full((), -big, dtype=q.dtype))
        if self.scale is not None:
            q = q * self.scale
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=1.0)

    def compute_mask(self, inputs, mask=None):
        """The query mask (Keras's ``Attention.compute_mask``)."""
        if mask is None and isinstance(inputs, (list, tuple)) and inputs:
            mask = [getattr(inputs[0], "_keras_mask", None)]
        if not mask or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        """``(*query_shape[:-1], value_shape[-1])``."""
        self._validate_inputs(input_shape)
        return (*input_shape[0][:-1], input_shape[1][-1])

    def compute_output_spec(self, inputs, mask=None, training=None, return_attention_scores=False,
                            use_causal_mask=False):
        """Symbolic output(s): the attention output and, if asked, the ``(B, Tq, Tv)`` scores."""
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        out = KerasTensor(self.compute_output_shape([query.shape, value.shape]), dtype=query.dtype)
        if return_attention_scores:
            return out, KerasTensor((*query.shape[:-1], key.shape[-2]), dtype=query.dtype)
        return out

    def _validate_inputs(self, inputs, mask=None):
        where = f"Layer '{self.name}' ({type(self).__name__})"
        if not isinstance(inputs, (list, tuple)) or (inputs and isinstance(inputs[0], int)):
            raise ValueError(
                f"{where} must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: {type(inputs).__name__}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{where} accepts a list of 2 or 3 inputs, namely [query, value] or "
                f"[query, value, key]. Received a list of length {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{where}: mask must be a list [query_mask, value_mask]. Received: {mask!r}."
                )

    def get_config(self) -> dict:
        """Keras 3's Attention config."""
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config
