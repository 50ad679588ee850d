"""``Dense``: the densely connected layer, ``activation(inputs @ kernel + bias)``."""

from __future__ import annotations

import torch

from keraton import activations, constraints, initializers, quantizers, regularizers
from keraton.layers.core.quantization import QuantizableMixin, int_matmul
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


class Dense(QuantizableMixin, Layer):
    """Densely connected layer: ``output = activation(dot(input, kernel) + bias)``, as ``keras.layers.Dense``.

    The kernel is stored in Keras's layout ``(input_dim, units)``, so
    ``get_weights()`` and files match Keras with no conversion, and the matmul
    runs as ``torch.addmm`` on it directly.  Inputs of rank > 2 are
    contracted on their last axis.

    Args:
        units: size of the output's last dimension.
        activation: name or callable; ``None`` means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (Keras defaults
            ``'glorot_uniform'`` and ``'zeros'``).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.
        quantization_config: a ``keras.quantizers.QuantizationConfig`` used
            when the layer is built with a quantized ``dtype``
            (``"int8_from_float32"``); ``quantize(mode)`` quantizes a built
            layer (int8, int4, float8) as Keras does, see ``quantization.py``.

    Shape:
        input ``(batch, ..., input_dim)`` -> output ``(batch, ..., units)``.

    Example:
        >>> layer = keraton.layers.Dense(3, activation="relu")
        >>> layer(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """

    # Keras 3's entries in a weights file for each quantization mode; variables a
    # subclass adds (keras.io's ``LayerWithCustomVariable``) are not written by default.
    _quantization_spec = {
        None: ("kernel", "bias"),
        "int8": ("kernel", "bias", "kernel_scale"),
        "int4": ("kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"),
        "float8": ("kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale",
                   "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history"),
        "gptq": ("bias", "quantized_kernel", "kernel_scale", "kernel_zero", "g_idx"),
        "awq": ("bias", "quantized_kernel", "kernel_scale", "kernel_zero", "awq_scales", "g_idx"),
    }
    _quantized_modes = ("int8", "int4", "float8", "gptq", "awq")

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.quantization_config = quantization_config
        self.units = standardize_positive_int(units, "units", f"Dense '{self.name}'")
        self.activation = activations.get(activation)
        self._act = None if self.activation is activations.linear else self.activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Create ``kernel`` of shape ``(input_dim, units)`` and ``bias`` of shape ``(units,)``."""
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) needs a known last input dimension to build, "
                f"got input shape {tuple(input_shape)}."
            )
        mode = self.quantization_mode
        if mode is not None:
            self.quantized_build((input_dim, self.units), mode, self.quantization_config)
        if mode not in ("int8", "int4", "gptq", "awq"):
            self.kernel = self.add_weight(
                shape=(input_dim, self.units), initializer=self.kernel_initializer, name="kernel",
                regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: int(input_dim)})
        self.built = True

    def call(self, inputs, training=None):
        """Compute ``activation(inputs @ kernel + bias)`` (the quantized forward when quantized)."""
        if self._is_quantized:
            return self._quantized_call(inputs)
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        bias = self.bias
        if inputs.dim() == 2:
            out = torch.addmm(bias, inputs, kernel) if bias is not None else inputs.mm(kernel)
        else:
            out = torch.matmul(inputs, kernel)
            if bias is not None:
                out = out + bias
        if self._act is not None:
            out = self._act(out)
        return out

    def compute_output_shape(self, input_shape):
        """``input_shape[:-1] + (units,)``."""
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        """Keras 3's Dense config."""
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return self._quantization_config_entries(config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, units={self.units}, activation={getattr(self.activation, '__name__', self.activation)}"

    # ------------------------------------------------------------------ quantization
    def quantized_build(self, kernel_shape, mode, config=None):
        """Create the quantized weights of ``mode`` for a ``(input_dim, units)`` kernel, as Keras."""
        input_dim, units = kernel_shape
        if mode == "int8":
            self.inputs_quantizer = quantizers.QuantizationConfig.activation_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer())
            self.kernel = self._fixed_weight("kernel", kernel_shape, "int8")
            self.kernel_scale = self._fixed_weight("kernel_scale", (units,), None, "ones")
        elif mode == "int4":
            self.inputs_quantizer = quantizers.QuantizationConfig.activation_quantizer_or_default(config, None)
            self.kernel = self._fixed_weight("kernel", (input_dim, (units + 1) // 2), "int8")
            block_size = quantizers.quantization_config.get_block_size_for_layer(self, config)
            self._int4_block_size = block_size
            grouped = block_size is not None and block_size > 0
            scale_shape = (-(-input_dim // block_size), units) if grouped else (units,)
            self._int4_scale_weights("kernel", scale_shape, grouped, input_dim, block_size)
            self._orig_output_dim = units
        elif mode == "float8":
            self._float8_build()
        elif mode in ("gptq", "awq"):
            self.kernel_shape = tuple(kernel_shape)
            self._gptq_build(input_dim, units, config, mode=mode)
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _quantize_weights(self, mode, config):
        kernel_shape = tuple(self.kernel.shape)
        if mode == "float8":
            self.quantized_build(kernel_shape, mode)
            return
        if mode in ("gptq", "awq"):
            self.quantized_build(kernel_shape, mode, config)
            setattr(self, f"is_{mode}_calibrated", False)
            return
        kernel = self.kernel.detach()
        zero = None
        if mode == "int8":
            quantizer = quantizers.QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=0))
            value, scale = quantizer(kernel, to_numpy=True)
            scale = scale.squeeze(0)
        else:
            block_size = getattr(config, "block_size", None)
            if block_size is None or block_size == -1:
                quantizer = quantizers.QuantizationConfig.weight_quantizer_or_default(
                    config, quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7), output_dtype="int8"))
                value, scale = quantizer(kernel, to_numpy=True)
                scale = scale.squeeze(0)
            else:
                value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                    kernel, block_size=block_size, to_numpy=True)
            value = quantizers.pack_int4(value, axis=-1)[0]
        self._store_quantized_kernel(kernel_shape, mode, config, value, scale, zero)

    def _quantized_call(self, inputs):
        if self.quantization_mode in ("gptq", "awq"):
            return self._gptq_call(inputs)
        return self._kernel_quantized_call(inputs, torch.matmul)

    def _gptq_call(self, inputs):
        """The float kernel before calibration, then the dequantized GPTQ/AWQ kernel, as Keras."""
        return self._calibrated_call(inputs, torch.matmul, self.kernel_shape)

    _awq_call = _gptq_call

    def _int_kernel(self):
        """The int8 kernel ``(input_dim, units)`` (int4 unpacked)."""
        if self.quantization_mode == "int4":
            return quantizers.unpack_int4(self.kernel, self._orig_output_dim, axis=-1)
        return self.kernel

    def _float_kernel(self):
        """The dequantized kernel Keras's int8/int4 gradients use."""
        kernel = self._int_kernel()
        if getattr(self, "_int4_block_size", None) not in (None, -1) and self.quantization_mode == "int4":
            return quantizers.dequantize_with_sz_map(kernel, self._ac(self.kernel_scale), self.kernel_zero, self.g_idx,
                                                     group_axis=0)
        scale = self._ac(self.kernel_scale)
        return kernel.to(scale.dtype) / scale

    def _int_forward(self, inputs):
        kernel = self._int_kernel()
        if self.quantization_mode == "int4" and getattr(self, "_int4_block_size", None) not in (None, -1):
            return torch.matmul(inputs, self._float_kernel().to(inputs.dtype))
        output_scale = self._ac(self.kernel_scale)
        if self.inputs_quantizer:
            inputs, inputs_scale = self.inputs_quantizer(inputs, axis=-1)
            output_scale = output_scale * inputs_scale
            out = int_matmul(inputs, kernel)
        else:
            out = torch.matmul(inputs, kernel.to(inputs.dtype))
        return out.to(getattr(torch, self.compute_dtype)) / output_scale

    def _int_input_grad(self, upstream):
        return torch.matmul(upstream, self._float_kernel().to(upstream.dtype).T)
