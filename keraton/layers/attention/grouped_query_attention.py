"""``GroupedQueryAttention``: attention with fewer key/value heads than query heads (``keras.layers.GroupQueryAttention``)."""

from __future__ import annotations

import math

import torch

from keraton import constraints, initializers, regularizers
from keraton.layers.attention.multi_head_attention import (
    MultiHeadAttention,
    _attention_equations,
    add_softmax_and_dropout,
    build_from_query_value_key,
)
from keraton.layers.core.einsum_dense import EinsumDense
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class GroupedQueryAttention(Layer):
    """Grouped-query attention, as ``keras.layers.GroupQueryAttention`` (Ainslie et al., 2023).

    ``query`` is projected to ``num_query_heads`` heads and ``key``/``value``
    to ``num_key_value_heads`` heads of size ``head_dim`` by ``EinsumDense``
    sublayers named ``query``, ``key``, (``gate``,) ``value``; each key/value
    head is repeated for ``num_query_heads // num_key_value_heads`` consecutive
    query heads (one key/value head is multi-query attention, as many as query
    heads is multi-head attention), and ``attention_output`` projects the heads
    back to the query's last size.  Weights are in Keras's layout, names and
    order (kernels ``(dim, heads, head_dim)``, biases ``(heads, head_dim)``,
    output kernel ``(num_query_heads, head_dim, dim)``), and a ``.keras`` file
    stores them under the same paths (``_query_dense``, ...) as Keras's.

    Masking, dropout and the attention itself are ``MultiHeadAttention``'s:
    with no scores to return and no dropout to apply the heads run in
    ``torch.nn.functional.scaled_dot_product_attention`` with Keras's masking
    (as Keras's torch backend does); otherwise, or when flash attention is
    switched off by ``keras.config.disable_flash_attention()`` before the layer
    is made, explicit einsums run.  As Keras, ``flash_attention`` is
    ``flash_attention or keras.config.is_flash_attention_enabled()`` fixed at
    construction; when it is ``True``, ``dropout > 0`` and returning scores are
    refused.  ``flash_attention=True`` does not force torch's flash kernel
    (torch picks the kernel), and ``flash_attention`` is not in the config, as in Keras.

    Args:
        head_dim: size of each attention head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key and value heads; must divide ``num_query_heads``.
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        sliding_window: attend only to keys fewer than this many positions away.
        flash_attention: ``None`` (automatic), ``True`` or ``False``; see above.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, kernel_constraint, bias_constraint: passed to the projections.
        activity_regularizer: passed to the projections and, as Keras, applied
            to this layer's outputs too.
        use_gate: multiply the attention output by a sigmoid gate projected from the query.
        seed: integer seed for the dropout.

    Call arguments:
        query ``(B, T, dim)``, value ``(B, S, dim_v)``, key ``(B, S, dim_k)``
        (default: value); query_mask / value_mask / key_mask (default: the
        ``_keras_mask`` of each input, as Keras); attention_mask ``(B, T, S)``
        boolean; return_attention_scores; training; use_causal_mask.

    Shape:
        output ``(B, T, dim)``; scores ``(B, num_query_heads, T, S)``.

    Example:
        >>> gqa = keraton.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
        ...                                          num_key_value_heads=2)
        >>> x = torch.randn(3, 5, 8)
        >>> gqa(x, x).shape
        torch.Size([3, 5, 8])
    """

    # Keras writes this layer as "GroupQueryAttention" (its exported name) in configs, but its
    # .keras weights path uses the class's Python name: "grouped_query_attention".
    _keras_class_name = "GroupQueryAttention"
    _keras_path_name = "GroupedQueryAttention"

    # State that the methods shared with MultiHeadAttention (below) read: attention runs over
    # the sequence axis of (B, T, heads, head_dim) tensors, softmax over the key axis.
    _attention_axes = (1,)
    _norm_axes = (3,)
    _dot_product_equation, _combine_equation = _attention_equations(4, (1,))[:2]

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for arg, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"GroupQueryAttention argument `{arg}` must be a positive integer, got {value!r}."
                )
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                "GroupQueryAttention: `num_query_heads` must be divisible by "
                f"`num_key_value_heads`, got num_query_heads={num_query_heads} and "
                f"num_key_value_heads={num_key_value_heads}."
            )
        # As Keras, the activity regularizer applies to this layer's outputs as well.
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._head_dim = head_dim
        self._num_query_heads = num_query_heads
        self._num_key_value_heads = num_key_value_heads
        self._num_repeats = num_query_heads // num_key_value_heads
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"Layer '{self.name}' (GroupQueryAttention): sliding_window must be None or a "
                f"positive integer, got {sliding_window!r}."
            )
        self._sliding_window = sliding_window
        from keraton import config

        self._flash_attention = flash_attention or config.is_flash_attention_enabled()
        if self._flash_attention and dropout > 0.0:
            raise ValueError(
                f"Layer '{self.name}' (GroupQueryAttention): dropout is not supported when "
                f"flash attention is enabled, got dropout={dropout} and flash_attention=True. "
                "Set dropout to 0.0 to use flash attention."
            )
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(head_dim))

    head_dim = property(lambda self: self._head_dim, doc="Size of each head.")
    num_query_heads = property(lambda self: self._num_query_heads, doc="Number of query heads.")
    num_key_value_heads = property(lambda self: self._num_key_value_heads,
                                   doc="Number of key and value heads.")
    num_repeats = property(lambda self: self._num_repeats,
                           doc="Query heads per key/value head.")
    dropout = property(lambda self: self._dropout, doc="Dropout rate on the attention probabilities.")
    use_bias = property(lambda self: self._use_bias, doc="Whether the projections have biases.")
    use_gate = property(lambda self: self._use_gate, doc="Whether the output is gated.")
    sliding_window = property(lambda self: self._sliding_window, doc="Sliding-window size or None.")
    kernel_initializer = property(lambda self: self._kernel_initializer, doc="Projection kernel initializer.")
    bias_initializer = property(lambda self: self._bias_initializer, doc="Projection bias initializer.")
    kernel_regularizer = property(lambda self: self._kernel_regularizer, doc="Projection kernel regularizer.")
    bias_regularizer = property(lambda self: self._bias_regularizer, doc="Projection bias regularizer.")
    kernel_constraint = property(lambda self: self._kernel_constraint, doc="Projection kernel constraint.")
    bias_constraint = property(lambda self: self._bias_constraint, doc="Projection bias constraint.")

    # ------------------------------------------------------------------ build
    def __call__(self, *args, **kwargs):
        """Build from the query, value and key shapes (the base class sees only the first input), then call."""
        args = build_from_query_value_key(self, "GroupQueryAttention", "gqa", args, kwargs)
        return super().__call__(*args, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        """Create the ``query``, ``key``, (``gate``,) ``value`` and ``attention_output`` projections, as Keras."""
        if value_shape is None:
            raise ValueError(
                f"Layer '{self.name}' (GroupQueryAttention) is built from query_shape and "
                f"value_shape; got only query_shape={tuple(query_shape)}."
            )
        key_shape = value_shape if key_shape is None else key_shape
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f"Layer '{self.name}' (GroupQueryAttention) expects 3-D `{arg}` of shape "
                    f"(batch, seq_len, features), got shape {tuple(shape)}."
                )
        u, v, h = self._num_query_heads, self._num_key_value_heads, self._head_dim
        bias = self._use_bias
        self.feature_dim = query_shape[-1]
        # Keras's equations: b batch, q/k query/key length, m features, u/v query/kv heads, h head size.
        self._query_dense = self._projection("bqm,muh->bquh", (None, u, h), "uh" if bias else None,
                                             "query", query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", (None, v, h), "vh" if bias else None,
                                           "key", key_shape)
        if self._use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", (None, u, h), "uh" if bias else None,
                                                "gate", query_shape, activation="sigmoid")
        self._value_dense = self._projection("bkm,mvh->bkvh", (None, v, h), "vh" if bias else None,
                                             "value", value_shape)
        add_softmax_and_dropout(self, (-1,))
        self._output_dense = self._projection("bquh,uhm->bqm", (None, self.feature_dim),
                                              "m" if bias else None, "attention_output",
                                              (None, None, u, h))
        self.built = True

    def _projection(self, equation, output_shape, bias_axes, name, input_shape, activation=None):
        layer = EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, name=name,
                            activation=activation, **self._sublayer_kwargs())
        layer._maybe_build(tuple(input_shape))
        return layer

    # One home for these: MultiHeadAttention's sublayer arguments, mask merging and attention
    # (SDPA fast path, einsum path with masked softmax and dropout) serve this layer unchanged.
    _sublayer_kwargs = MultiHeadAttention._sublayer_kwargs
    _compute_attention_mask = MultiHeadAttention._compute_attention_mask
    _compute_attention = MultiHeadAttention._compute_attention
    _masked_softmax = MultiHeadAttention._masked_softmax
    _expand_mask = MultiHeadAttention._expand_mask
    get_build_config = MultiHeadAttention.get_build_config
    build_from_config = MultiHeadAttention.build_from_config

    def _fused_allowed(self) -> bool:
        """False only when flash attention was switched off globally before construction (Keras)."""
        return self._flash_attention is not False

    # ------------------------------------------------------------------ call
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        """Project, repeat the key/value heads, attend and project back (see the class docstring)."""
        if return_attention_scores and self._flash_attention:
            raise ValueError(
                f"Layer '{self.name}' (GroupQueryAttention): returning attention scores is not "
                "supported when flash attention is enabled; construct the layer with "
                "flash_attention=None (and flash attention not forced on) to get the scores."
            )
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        # As Keras: causal masking alone runs as SDPA's is_causal, unless a subclass
        # overrides _compute_attention (it would then get no mask at all).
        causal_only = (use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None and self._sliding_window is None
                       and type(self)._compute_attention is GroupedQueryAttention._compute_attention)
        if not causal_only:
            attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask,
                                                          key_mask, attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        if self._num_repeats > 1:
            # Key/value head j serves query heads j*r ... j*r + r - 1, as Keras's ops.repeat.
            k = k.repeat_interleave(self._num_repeats, dim=2)
            v = v.repeat_interleave(self._num_repeats, dim=2)
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(q, k, v, attention_mask, training,
                                                 return_attention_scores, **extra)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        return (output, scores) if return_attention_scores else output

    # ------------------------------------------------------------------ shapes and config
    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        """The query shape; as Keras, query and value must have the same last size here."""
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"Layer '{self.name}' (GroupQueryAttention): the last dimension of `query_shape` "
                f"and `value_shape` must be equal, got query_shape={tuple(query_shape)} and "
                f"value_shape={tuple(value_shape)}."
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"Layer '{self.name}' (GroupQueryAttention): all dimensions of `value` and `key` "
                f"except the last must be equal, got value_shape={tuple(value_shape)} and "
                f"key_shape={tuple(key_shape)}."
            )
        return tuple(query_shape)

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        """Symbolic output (and scores ``(B, num_query_heads, T, S)``), as Keras."""
        shape = self.compute_output_shape(query.shape, value.shape,
                                          None if key is None else key.shape)
        output = KerasTensor(shape, dtype=query.dtype)
        if not return_attention_scores:
            return output
        source = value if key is None else key
        scores_shape = (query.shape[0], self._num_query_heads, query.shape[1], source.shape[1])
        return output, KerasTensor(scores_shape, dtype=query.dtype)

    def get_config(self) -> dict:
        """Keras 3's GroupQueryAttention config (``flash_attention`` is not part of it, as in Keras)."""
        config = super().get_config()
        config.update({
            "head_dim": self._head_dim,
            "num_query_heads": self._num_query_heads,
            "num_key_value_heads": self._num_key_value_heads,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "sliding_window": self._sliding_window,
            "dropout": self._dropout,
            "kernel_initializer": serialize_keras_object(self._kernel_initializer),
            "bias_initializer": serialize_keras_object(self._bias_initializer),
            "kernel_regularizer": serialize_keras_object(self._kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self._bias_regularizer),
            "activity_regularizer": serialize_keras_object(self._activity_regularizer),
            "kernel_constraint": serialize_keras_object(self._kernel_constraint),
            "bias_constraint": serialize_keras_object(self._bias_constraint),
            "seed": self.seed,
        })
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, head_dim={self._head_dim}, "
                f"num_query_heads={self._num_query_heads}, "
                f"num_key_value_heads={self._num_key_value_heads}")
