"""``Embedding``: turn integer indices into dense vectors of a fixed size."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import constraints, initializers, regularizers
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


class Embedding(Layer):
    """Look up rows of an ``(input_dim, output_dim)`` table, as ``keras.layers.Embedding``.

    Inputs of any shape hold indices in ``[0, input_dim)``; non-integer inputs
    are cast to integers as in Keras.  With ``mask_zero=True`` index 0 is
    padding: the output carries the mask ``inputs != 0`` for the layers after it
    (RNNs skip those steps), and ``input_dim`` must count the padding index.

    Args:
        input_dim: vocabulary size (largest index + 1).
        output_dim: size of each vector.
        embeddings_initializer: initializer of the table (Keras default ``'uniform'``).
        embeddings_regularizer, activity_regularizer, embeddings_constraint: as in Keras.
        mask_zero: treat index 0 as padding and emit a mask.
        weights: optional initial table ``[array]``.
        input_length: Keras 2 argument, accepted and ignored (the input shape says it).

    Shape:
        ``(batch, ...)`` integers -> ``(batch, ..., output_dim)``.

    Example:
        >>> layer = keraton.layers.Embedding(1000, 64)
        >>> layer(torch.randint(0, 1000, (32, 10))).shape
        torch.Size([32, 10, 64])
    """

    # Keras's Embedding argument, shadowing Layer's Keras 2 ``input_dim`` property.
    input_dim = None

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, **kwargs):
        kwargs.pop("quantization_config", None)
        input_length = kwargs.pop("input_length", None)
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(weights=weights, **kwargs)
        owner = f"Embedding '{self.name}'"
        input_dim = standardize_positive_int(input_dim, "input_dim", owner)
        output_dim = standardize_positive_int(output_dim, "output_dim", owner)
        if lora_rank:
            raise ValueError("Embedding: LoRA (lora_rank) is not supported by keraton.")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.input_length = input_length  # Keras 2's attribute (Keras 3 has no such argument)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape=None) -> None:
        """Create ``embeddings`` of shape ``(input_dim, output_dim)``."""
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def call(self, inputs):
        """Gather the rows of ``embeddings`` at ``inputs``."""
        if inputs.dtype not in (torch.int64, torch.int32):
            inputs = inputs.to(torch.int64)
        return F.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` with ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        """``input_shape + (output_dim,)``."""
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, *args, **kwargs):
        """Float output of the layer's dtype whatever the (integer) input dtype."""
        from keraton.layers.keras_tensor import KerasTensor

        first = args[0] if args else kwargs["inputs"]
        return KerasTensor(self.compute_output_shape(first.shape), dtype=self._dtype)

    def get_config(self) -> dict:
        """Keras 3's Embedding config."""
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": serialize_keras_object(self.embeddings_initializer),
            "embeddings_regularizer": serialize_keras_object(self.embeddings_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "embeddings_constraint": serialize_keras_object(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, input_dim={self.input_dim}, output_dim={self.output_dim}"
