"""``MultiHeadAttention``: multi-head scaled dot-product attention (``keras.layers.MultiHeadAttention``)."""

from __future__ import annotations

import math
import string

import torch
import torch.nn.functional as F

from keraton import constraints, initializers, regularizers
from keraton.layers.attention.attention import attention_dropout, causal_mask
from keraton.layers.core.einsum_dense import EinsumDense
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer, _as_batch_shape, _jsonable_shape, _shapes_of
from keraton.saving.serialization_lib import serialize_keras_object


class MultiHeadAttention(Layer):
    """Multi-head attention, as ``keras.layers.MultiHeadAttention`` (Vaswani et al., 2017).

    ``query``, ``key`` and ``value`` are projected per head by ``EinsumDense``
    sublayers named ``query``, ``key`` and ``value`` (kernels
    ``(dim, num_heads, key_dim|value_dim)``, biases ``(num_heads, key_dim|value_dim)``),
    attention runs over ``attention_axes``, and ``attention_output`` projects
    ``(num_heads, value_dim)`` back to the query's last size (or
    ``output_shape``).  Weights are in Keras's layout and order.  For 3-D inputs
    with no scores to return and no dropout to apply, attention runs in
    ``torch.nn.functional.scaled_dot_product_attention`` with Keras's masking
    (as Keras's torch backend does); otherwise, or when flash attention is
    switched off (``flash_attention=False`` or
    ``keras.config.disable_flash_attention()``), it runs with explicit einsums.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        output_shape: output size(s) without batch and sequence axes
            (default: the query's last dimension).
        attention_axes: axes attention runs over (default: all but batch,
            heads and features).
        sliding_window: attend only to keys closer than this many positions.
        use_gate: multiply the attention output by a sigmoid gate projected from the query.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: passed to the projections.
        seed: integer seed for the dropout.

    Call arguments:
        query ``(B, T, dim)``, value ``(B, S, dim)``, key (default: value);
        query_mask / value_mask / key_mask (default: the ``_keras_mask`` of each
        input, as Keras); attention_mask ``(B, T, S)`` boolean; use_causal_mask;
        return_attention_scores; training.

    Example:
        >>> mha = keraton.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = torch.randn(3, 5, 8)
        >>> mha(x, x).shape
        torch.Size([3, 5, 8])
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        for arg, value, optional in (("num_heads", num_heads, False), ("key_dim", key_dim, False),
                                     ("value_dim", value_dim, True)):
            if optional and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"MultiHeadAttention argument `{arg}` must be a positive integer, got {value!r}."
                )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): attention_axes must be an int, list or "
                f"tuple, got {attention_axes!r}."
            )
        self._attention_axes = attention_axes
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): sliding_window must be None or a "
                f"positive integer, got {sliding_window!r}."
            )
        self._sliding_window = sliding_window
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads, doc="Number of heads.")
    key_dim = property(lambda self: self._key_dim, doc="Size of a query/key head.")
    value_dim = property(lambda self: self._value_dim, doc="Size of a value head.")
    dropout = property(lambda self: self._dropout, doc="Dropout rate on the attention probabilities.")
    use_bias = property(lambda self: self._use_bias, doc="Whether the projections have biases.")
    attention_axes = property(lambda self: self._attention_axes, doc="Axes attention runs over.")
    query_dense = property(lambda self: self._query_dense, doc="The query projection.")
    key_dense = property(lambda self: self._key_dense, doc="The key projection.")
    value_dense = property(lambda self: self._value_dense, doc="The value projection.")
    output_dense = property(lambda self: self._output_dense, doc="The output projection.")

    # ------------------------------------------------------------------ build
    def __call__(self, *args, **kwargs):
        """Build from the query, value and key shapes (the base class sees only the first input), then call."""
        args = build_from_query_value_key(self, "MultiHeadAttention", "mha", args, kwargs)
        return super().__call__(*args, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        """Create the ``query``, ``key``, (``gate``,) ``value`` and ``attention_output`` projections."""
        if value_shape is None:
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention) is built from query_shape and "
                f"value_shape; got only query_shape={tuple(query_shape)}."
            )
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): all dimensions of `value` and `key` "
                f"except the last must be equal, got value shape {tuple(value_shape)} and key "
                f"shape {tuple(key_shape)}."
            )
        kd, vd = self._key_dim, self._value_dim
        self._query_dense = self._projection(len(query_shape), kd, "query", query_shape)
        self._key_dense = self._projection(len(key_shape), kd, "key", key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(len(query_shape), vd, "gate", query_shape,
                                                activation="sigmoid")
        self._value_dense = self._projection(len(value_shape), vd, "value", value_shape)
        rank = len(query_shape) + 1
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
            rank, self._attention_axes)
        n_axes = len(self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - n_axes, scores_rank))
        add_softmax_and_dropout(self, self._norm_axes)
        output_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes, out_rank = _projection_equation(len(query_shape) - 1, 2, len(output_shape))
        self._output_dense = EinsumDense(
            equation, output_shape=[None] * (out_rank - 1 - len(output_shape)) + list(output_shape),
            bias_axes=bias_axes if self._use_bias else None, name="attention_output",
            **self._sublayer_kwargs())
        projected = list(self._query_dense.compute_output_shape(tuple(query_shape)))
        projected[-1] = vd
        self._output_dense._maybe_build(tuple(projected))
        self.built = True

    def _sublayer_kwargs(self) -> dict:
        # A fresh initializer per projection: a seeded initializer would repeat its values.
        return dict(
            kernel_initializer=type(self._kernel_initializer).from_config(self._kernel_initializer.get_config()),
            bias_initializer=type(self._bias_initializer).from_config(self._bias_initializer.get_config()),
            kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer, kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint, dtype=self._dtype_arg,
        )

    def _projection(self, rank, head_size, name, shape, activation=None):
        equation, bias_axes, out_rank = _projection_equation(rank - 1, 1, 2)
        layer = EinsumDense(equation, output_shape=[None] * (out_rank - 3) + [self._num_heads, head_size],
                            bias_axes=bias_axes if self._use_bias else None, name=name,
                            activation=activation, **self._sublayer_kwargs())
        layer._maybe_build(tuple(shape))
        return layer

    # ------------------------------------------------------------------ call
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        """Project, attend and project back (see the class docstring)."""
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        # Causal masking alone runs as SDPA's is_causal, unless a subclass overrides
        # _compute_attention (it would then get no mask at all), as in Keras.
        causal_only = (use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None and self._sliding_window is None
                       and type(self)._compute_attention is MultiHeadAttention._compute_attention)
        if not causal_only:
            attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask,
                                                          key_mask, attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(q, k, v, attention_mask, training,
                                                 return_attention_scores, **extra)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        return (output, scores) if return_attention_scores else output

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """Keras's merged boolean mask ``(B, T, S)``: query, value, key, causal, window and explicit masks ANDed."""
        auto = None
        if query_mask is not None:
            auto = query_mask.bool().unsqueeze(-1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = m.bool().unsqueeze(-2)
                auto = m if auto is None else auto & m
        t, s = query.shape[1], value.shape[1]
        if use_causal_mask:
            m = causal_mask(t, s, query.device)
            auto = m if auto is None else auto & m
        if self._sliding_window is not None:
            rows = torch.arange(t, device=query.device).view(1, t, 1)
            cols = torch.arange(s, device=query.device).view(1, 1, s)
            m = (rows - cols).abs() < self._sliding_window
            auto = m if auto is None else auto & m
        if attention_mask is not None:
            attention_mask = attention_mask.bool()
        if auto is not None:
            attention_mask = auto if attention_mask is None else attention_mask & auto
        return attention_mask

    def _expand_mask(self, mask, rank):
        axis = -len(self._attention_axes) * 2 - 1
        while mask.dim() < rank:
            mask = mask.unsqueeze(axis)
        return mask

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Attention on projected ``(B, T, N, H)`` tensors; returns ``(output, scores or None)``."""
        dropping = bool(training) and self._dropout > 0
        fused = query.dim() == 4 and not return_attention_scores and self._fused_allowed() and (
            self._dropout == 0 or (not dropping and attention_mask is None))
        if fused:
            bias = None
            if attention_mask is not None:
                # Keras's torch backend turns the boolean mask into this additive one.
                big = (65500.0 if query.dtype == torch.float16 else 3.38953e38) * -0.7
                mask = self._expand_mask(attention_mask, 4)
                bias = torch.where(mask, torch.zeros((), dtype=query.dtype),
                                   torch.full((), big, dtype=query.dtype))
            out = F.scaled_dot_product_attention(
                query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2), attn_mask=bias,
                is_causal=bool(use_causal_mask) and bias is None, scale=self._inverse_sqrt_key_dim)
            return out.transpose(1, 2), None
        if use_causal_mask:
            m = causal_mask(query.shape[1], value.shape[1], query.device)
            attention_mask = m if attention_mask is None else attention_mask.bool() & m
        query = query * self._inverse_sqrt_key_dim
        scores = torch.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        weights = attention_dropout(scores, self._dropout, self._generator) if dropping else scores
        return torch.einsum(self._combine_equation, weights, value), scores

    def _fused_allowed(self) -> bool:
        """False when ``flash_attention=False`` was given or, with the default ``None``, after
        ``keras.config.disable_flash_attention()``: then the explicit einsum path runs."""
        flash = self._flash_attention
        if flash is None:
            from keraton import config

            flash = config.is_flash_attention_enabled()
        return flash is not False

    def _masked_softmax(self, scores, mask):
        if mask is not None:
            mask = self._expand_mask(mask, scores.dim())
            big = -3e4 if scores.dtype == torch.float16 else -1e9
            scores = torch.where(mask, scores, torch.full((), big, dtype=scores.dtype))
        if len(self._norm_axes) == 1:
            probs = torch.softmax(scores, dim=self._norm_axes[0])
        else:
            probs = torch.exp(scores - torch.logsumexp(scores, dim=self._norm_axes, keepdim=True))
        if mask is not None:
            probs = torch.where(mask, probs, torch.zeros((), dtype=probs.dtype))
        return probs

    # ------------------------------------------------------------------ shapes and config
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        """The query shape with its last axis replaced by ``output_shape`` (if given)."""
        query_shape = tuple(query_shape)
        if value_shape is not None and key_shape is not None and \
                tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): all dimensions of `value` and `key` "
                f"except the last must be equal, got {tuple(value_shape)} and {tuple(key_shape)}."
            )
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic output; with ``return_attention_scores`` the shapes come from a trial run."""
        if kwargs.get("return_attention_scores"):
            return self._run_on_zeros(args, kwargs)
        query = args[0]
        return KerasTensor(self.compute_output_shape(query.shape), dtype=query.dtype)

    def get_build_config(self):
        """Keras 3's build config: ``{"shapes_dict": {"query_shape", "value_shape"(, "key_shape")}}``."""
        if self._build_shapes is None:
            return None
        return {"shapes_dict": {k: _jsonable_shape(v) for k, v in self._build_shapes.items()
                                if v is not None}}

    def build_from_config(self, config) -> None:
        """Build from ``get_build_config()``'s output."""
        if config and config.get("shapes_dict") and not self.built:
            shapes = {k: tuple(v) for k, v in config["shapes_dict"].items()}
            self.build(**shapes)
            self._build_shapes = shapes
            self.built = True

    def get_config(self) -> dict:
        """Keras 3's MultiHeadAttention config."""
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
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


def add_softmax_and_dropout(layer, norm_axes) -> None:
    """Keras's ``_softmax`` and ``_dropout_layer`` sublayers, created in ``build`` as Keras does.

    keraton's attention computes the softmax and the dropout inline (and with
    torch's fused kernel when it can); the sublayers are there for subclasses
    that override ``_compute_attention`` and call them, and so that later
    layers get Keras's automatic names (a ``Dropout`` after one attention
    layer is ``dropout_1``, as in Keras).
    """
    from keraton.layers.activations.softmax import Softmax
    from keraton.layers.regularization.dropout import Dropout

    layer._softmax = Softmax(axis=norm_axes, dtype=layer.dtype_policy)
    layer._dropout_layer = Dropout(rate=layer._dropout, dtype=layer.dtype_policy, seed=layer.seed)


def build_from_query_value_key(layer, kind: str, example: str, args: tuple, kwargs: dict) -> tuple:
    """The positional arguments of an attention call (``query`` moved out of ``kwargs``), after
    building ``layer`` from the query, value and key shapes on its first call."""
    if not args and "query" in kwargs:
        args = (kwargs.pop("query"),)
    value = args[1] if len(args) > 1 else kwargs.get("value")
    key = args[2] if len(args) > 2 else kwargs.get("key")
    if not args or value is None:
        raise TypeError(
            f"Layer '{layer.name}' ({kind}) must be called with `query` and `value` tensors "
            f"(and optionally `key`), e.g. {example}(query, value).")
    if not layer.built:
        shapes = [_shapes_of(t) for t in (args[0], value, key)]
        layer.build(*shapes)
        layer._build_shapes = {"query_shape": _as_batch_shape(shapes[0]),
                               "value_shape": _as_batch_shape(shapes[1]),
                               "key_shape": _as_batch_shape(shapes[2]) if key is not None else None}
        layer.built = True
    return args


def _attention_equations(rank, attn_axes):
    """Keras's einsum equations for ``scores = key . query`` and ``output = scores . value``.

    Projected tensors are ``(batch, <other axes>, <attention axes>, heads, channels)``;
    the scores are ``(<batch axes incl. heads>, <query attention axes>, <key attention axes>)``.
    """
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _projection_equation(free_dims, bound_dims, output_dims):
    """Keras's projection equation: ``free+bound`` input axes, ``bound+output`` kernel axes."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims
