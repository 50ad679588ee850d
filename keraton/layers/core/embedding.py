"""``Embedding``: turn integer indices into dense vectors of a fixed size."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import backend, constraints, initializers, quantizers, regularizers
from keraton.layers.core.quantization import QuantizableMixin
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


class Embedding(QuantizableMixin, Layer):
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
        quantization_config: a ``keras.quantizers.QuantizationConfig`` used
            when the layer is built with a quantized ``dtype``;
            ``quantize("int8")``/``quantize("int4")`` quantize a built layer
            (per-row scales, int4 packed along ``output_dim``), as Keras.

    Shape:
        ``(batch, ...)`` integers -> ``(batch, ..., output_dim)``.

    Example:
        >>> layer = keraton.layers.Embedding(1000, 64)
        >>> layer(torch.randint(0, 1000, (32, 10))).shape
        torch.Size([32, 10, 64])
    """

    # Keras's Embedding argument, shadowing Layer's Keras 2 ``input_dim`` property.
    input_dim = None
    _quantized_modes = ("int8", "int4")
    _quantization_spec = {
        None: None,  # all own weights (a subclass's too, as ReversibleEmbedding's)
        "int8": ("embeddings", "embeddings_scale"),
        "int4": ("embeddings", "embeddings_scale", "embeddings_zero", "g_idx"),
    }

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
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
        self.quantization_config = quantization_config

    def build(self, input_shape=None) -> None:
        """Create ``embeddings`` of shape ``(input_dim, output_dim)`` (quantized ones under a quantized policy)."""
        mode = self.quantization_mode
        if mode is not None:
            self.quantized_build((self.input_dim, self.output_dim), mode, self.quantization_config)
            self.built = True
            return
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
        outputs = self._quantized_call(inputs) if self._is_quantized else F.embedding(inputs, self.embeddings)
        compute = backend.torch_dtype(self._dtype_policy.compute_dtype)
        # As Keras: the rows come out in the compute dtype (bfloat16 under "mixed_bfloat16").
        return outputs if outputs.dtype == compute else outputs.to(compute)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` with ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        """``input_shape + (output_dim,)``."""
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, *args, **kwargs):
        """Float output in the layer's compute dtype whatever the (integer) input dtype."""
        from keraton.layers.keras_tensor import KerasTensor

        first = args[0] if args else kwargs["inputs"]
        return KerasTensor(self.compute_output_shape(first.shape), dtype=self._dtype_policy.compute_dtype)

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
        })
        return self._quantization_config_entries(config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, input_dim={self.input_dim}, output_dim={self.output_dim}"

    # ------------------------------------------------------------------ quantization
    def _quantization_mode_error(self, mode):
        return NotImplementedError(
            f"Invalid quantization mode. Expected one of ('int8', 'int4'). Received: quantization_mode={mode}")

    def quantized_build(self, embeddings_shape, mode, config=None):
        """Create the int8 or packed int4 table and its per-row scales, as Keras."""
        input_dim, output_dim = embeddings_shape
        if mode == "int8":
            self.embeddings = self._fixed_weight("embeddings", embeddings_shape, "int8")
            self.embeddings_scale = self._fixed_weight("embeddings_scale", (input_dim,), None, "ones")
        elif mode == "int4":
            self.embeddings = self._fixed_weight("embeddings", (input_dim, (output_dim + 1) // 2), "int8")
            block_size = quantizers.quantization_config.get_block_size_for_layer(self, config)
            self._int4_block_size = block_size
            grouped = block_size is not None and block_size > 0
            scale_shape = (input_dim, -(-output_dim // block_size)) if grouped else (input_dim,)
            self._int4_scale_weights("embeddings", scale_shape, grouped, output_dim, block_size)
            self._orig_output_dim = output_dim
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _quantize_weights(self, mode, config):
        table = self.embeddings.detach()
        zero = None
        if mode == "int8":
            quantizer = quantizers.QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=-1))
            value, scale = quantizer(table, to_numpy=True)
            scale = scale.squeeze(-1)
        else:
            block_size = getattr(config, "block_size", None)
            if block_size is None or block_size == -1:
                quantizer = quantizers.QuantizationConfig.weight_quantizer_or_default(
                    config, quantizers.AbsMaxQuantizer(axis=-1, value_range=(-8, 7), output_dtype="int8"))
                value, scale = quantizer(table, to_numpy=True)
                scale = scale.squeeze(-1)
            else:
                value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                    table.T, block_size=block_size, value_range=(-8, 7), dtype="int8", to_numpy=True)
                value, scale, zero = value.T, scale.T, zero.T
            value = quantizers.pack_int4(value, axis=-1)[0]
        self._drop_weight("embeddings")
        self.quantized_build((self.input_dim, self.output_dim), mode, config)
        with torch.no_grad():
            self.embeddings.copy_(value)
            self.embeddings_scale.copy_(scale)
            if zero is not None:
                self.embeddings_zero.copy_(zero)

    def _quantized_call(self, inputs):
        compute = getattr(torch, self.compute_dtype)
        table = self.embeddings
        if self.quantization_mode == "int4":
            table = quantizers.unpack_int4(table, self._orig_output_dim, axis=-1)
        outputs = table[inputs].to(compute)
        scale = self._ac(self.embeddings_scale).reshape(self.input_dim, -1)[inputs]
        if self.quantization_mode == "int4" and getattr(self, "_int4_block_size", None) not in (None, -1):
            zero = self.embeddings_zero[inputs]
            return quantizers.dequantize_with_sz_map(outputs, scale, zero, self.g_idx, group_axis=-1)
        return outputs / scale
