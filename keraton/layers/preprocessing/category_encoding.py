"""``CategoryEncoding``: one-hot, multi-hot or count encoding of integer features."""

from __future__ import annotations

import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.encoding import encode_categorical


class CategoryEncoding(Layer):
    """Encode integer features in ``[0, num_tokens)``, as ``keras.layers.CategoryEncoding``.

    ``'one_hot'`` maps each integer to a ``num_tokens`` vector (a trailing axis
    of size 1 is dropped); ``'multi_hot'`` marks which tokens occur in each
    sample (rows of a ``(batch, n)`` input; a rank-1 input is one sample);
    ``'count'`` counts them (optionally weighted by ``count_weights``).
    Out-of-range indices raise ``ValueError`` (Keras on torch fails too).

    Args:
        num_tokens: number of tokens; inputs must lie in ``[0, num_tokens)``.
        output_mode: ``'multi_hot'`` (default), ``'one_hot'`` or ``'count'``
            (Keras 2's ``'binary'`` means ``'multi_hot'``).
        sparse: only ``False`` is supported (torch dense output).

    Shape:
        ``(batch, n)`` -> ``(batch, num_tokens)``; one_hot: ``(..., n)`` -> ``(..., n, num_tokens)``.

    Example:
        >>> keraton.layers.CategoryEncoding(4, output_mode="count")(torch.tensor([[0, 1, 1]]))
        tensor([[1., 2., 0., 0.]])
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(
                f"Layer '{self.name}': `output_mode` must be one of 'one_hot', 'multi_hot', "
                f"'count'. Received: output_mode={output_mode!r}"
            )
        if num_tokens is None or num_tokens < 1:
            raise ValueError(
                f"Layer '{self.name}': `num_tokens` must be an integer >= 1 (use IntegerLookup "
                f"when the number of tokens is not known). Received: num_tokens={num_tokens}"
            )
        if sparse:
            raise ValueError(f"Layer '{self.name}': `sparse=True` is not supported by keraton (torch).")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        """Encode ``inputs``; ``count_weights`` (same shape) weight the counts in ``'count'`` mode."""
        inputs = torch.as_tensor(inputs)
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                f"Layer '{self.name}': `count_weights` is only used when output_mode='count'. "
                f"Received output_mode={self.output_mode!r}."
            )
        if inputs.numel():
            low, high = int(inputs.min()), int(inputs.max())
            if low < 0 or high >= self.num_tokens:
                raise ValueError(
                    f"Layer '{self.name}': expected input values in [0, {self.num_tokens}), "
                    f"received values in [{low}, {high}]."
                )
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self._dtype, count_weights)

    def compute_output_shape(self, input_shape):
        """Keras's output shape rule (depends on ``output_mode``)."""
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """The symbolic output: ``compute_output_shape`` with this layer's output dtype (float32)."""
        return KerasTensor(tuple(self.compute_output_shape(inputs.shape)), dtype=self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``num_tokens``, ``output_mode``."""
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
