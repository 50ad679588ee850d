"""``ReversibleEmbedding``: an embedding that can also project back to the vocabulary (``keras.layers.ReversibleEmbedding``)."""

from __future__ import annotations

import torch

from keraton import backend
from keraton.layers.core.embedding import Embedding
from keraton.layers.keras_tensor import KerasTensor
from keraton.ops.numpy.products import matmul


class ReversibleEmbedding(Embedding):
    """An ``Embedding`` that, called with ``reverse=True``, maps vectors back to logits over the vocabulary.

    As ``keras.layers.ReversibleEmbedding``: ``layer(ids)`` looks up rows of
    ``embeddings`` ``(input_dim, output_dim)``; ``layer(hidden, reverse=True)``
    returns ``hidden @ embeddings.T`` (weights tied, the default) or
    ``hidden @ reverse_embeddings`` with a separate trainable
    ``reverse_embeddings`` ``(output_dim, input_dim)`` when ``tie_weights=False``
    (initialised by ``embeddings_initializer``, no regularizer or constraint,
    as in Keras).  Weights are in Keras's layout and order.  There is no bias.
    Keras's int8/int4 quantization of this layer is not implemented.

    Args:
        input_dim: vocabulary size (largest index + 1).
        output_dim: size of each vector.
        tie_weights: reuse ``embeddings`` for the reverse projection.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint,
        mask_zero: as ``Embedding``.
        reverse_dtype: dtype the reverse projection computes in (inputs and
            kernel are cast to it; default: the layer's compute dtype).  As
            Keras's ``ops.matmul``, ``"float64"`` gives a ``float32`` product.
        logit_soft_cap: if set, reverse logits become
            ``tanh(logits / logit_soft_cap) * logit_soft_cap``.
        **kwargs: ``Embedding``'s other arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: integer ids, or with ``reverse=True`` vectors ``(..., output_dim)``.
        reverse: project from ``output_dim`` to ``input_dim`` instead of looking up.

    Shape:
        ``(batch, ...)`` -> ``(batch, ..., output_dim)``; with ``reverse=True``
        ``(batch, ..., output_dim)`` -> ``(batch, ..., input_dim)``.

    Example:
        >>> embedding = keraton.layers.ReversibleEmbedding(100, 32)
        >>> hidden = embedding(torch.randint(0, 100, (16, 50)))
        >>> embedding(hidden, reverse=True).shape
        torch.Size([16, 50, 100])
    """

    # The forward call puts the ``inputs != 0`` mask on its output itself; a reverse call
    # gives no mask (Keras's compute_mask returns None for both).
    _mask_from_call = True

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        self._reverse_torch_dtype = (None if reverse_dtype is None
                                     else backend.torch_dtype(reverse_dtype))

    def build(self, input_shape=None) -> None:
        """Create ``embeddings`` and, with ``tie_weights=False``, ``reverse_embeddings`` ``(output_dim, input_dim)``."""
        # Initial ``weights=`` hold both tables when untied: set them once both exist.
        initial, self._initial_weights = self._initial_weights, None
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True,
            )
        if initial is not None:
            self.set_weights(initial)

    def call(self, inputs, reverse=False):
        """Look ``inputs`` up, or with ``reverse=True`` project them onto the vocabulary."""
        if not reverse:
            outputs = super().call(inputs)
            if self.mask_zero:
                outputs._keras_mask = super().compute_mask(inputs)
            return outputs
        # A transposed view: torch's matmul reads it without a copy.
        kernel = self.embeddings.T if self.tie_weights else self.reverse_embeddings
        if self._reverse_torch_dtype is not None:
            inputs = inputs.to(self._reverse_torch_dtype)
            kernel = kernel.to(self._reverse_torch_dtype)
        # Keras's matmul dtype rules: a 64-bit product comes out as 32-bit, as in Keras.
        logits = matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        """None, as Keras: the forward call attaches ``inputs != 0`` itself (with ``mask_zero``)."""
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        """``input_shape + (output_dim,)``, or with ``reverse`` the last axis replaced by ``input_dim``."""
        if reverse:
            return tuple(input_shape)[:-1] + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, inputs, reverse=False):
        """Float output of the layer's dtype (for a reverse call, the dtype ``reverse_dtype`` gives)."""
        dtype = self._dtype
        if reverse and self._reverse_torch_dtype is not None:
            dtype = backend.torch_dtype(backend.result_type(self._reverse_torch_dtype,
                                                                  self._reverse_torch_dtype))
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse=reverse), dtype=dtype)

    def get_config(self) -> dict:
        """Keras 3's ReversibleEmbedding config: Embedding's plus ``tie_weights``, ``reverse_dtype``, ``logit_soft_cap``."""
        config = super().get_config()
        config.update({
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        })
        return config

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, tie_weights={self.tie_weights}"
