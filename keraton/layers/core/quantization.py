"""What ``Dense``, ``EinsumDense`` and ``Embedding`` share to be quantized as in Keras 3.15.

``layer.quantize(mode, config=None)`` replaces the float weights by
quantized ones (int8 / packed int4 with scales, or float8 scales and amax
histories next to the float kernel), switches ``dtype_policy`` to
``"<mode>_from_<source>"`` and makes ``call`` run the quantized forward.  A
layer created with such a policy (``dtype="int8_from_float32"``, which is how
``load_model`` restores a quantized model) builds the quantized weights
directly.  Quantized layers train as Keras trains them: the gradient of the
inputs goes through the dequantized kernel (straight-through estimator), the
integer weights get none, and float8 scales take their new value as their
gradient (``overwrite_with_gradient``).
"""

from __future__ import annotations

import torch

from keraton import quantizers
from keraton.mixed_precision import policy as dtype_policies
from keraton.mixed_precision.quantized_policy import (
    QUANTIZATION_MODES,
    DTypePolicyMap,
    QuantizedFloat8DTypePolicy,
)
from keraton.quantizers.quantization_config import validate_and_resolve_config

_E4M3_MAX = float(torch.finfo(torch.float8_e4m3fn).max)
_E5M2_MAX = float(torch.finfo(torch.float8_e5m2).max)
# Largest contraction size for which a float32 sum of int8 x int8 products is exact (< 2**24).
_EXACT_FLOAT32_K = (2 ** 24) // (128 * 128)


class StraightThrough(torch.autograd.Function):
    """``forward_fn(inputs)`` computed without a graph; the inputs' gradient is ``backward_fn(upstream)``.

    Keras's ``ops.custom_gradient`` of the int8/int4 calls: the quantized
    forward, and the float (dequantized kernel) gradient for the inputs.
    """

    @staticmethod
    def forward(ctx, inputs, forward_fn, backward_fn):
        ctx.backward_fn = backward_fn
        return forward_fn(inputs)

    @staticmethod
    def backward(ctx, upstream):
        return ctx.backward_fn(upstream), None, None


class _Float8QDQ(torch.autograd.Function):
    """Quantize-dequantize in e4m3; in training the scale and amax history get their new values as gradients."""

    @staticmethod
    def forward(ctx, x, scale, amax_history, compute_dtype, training):
        ctx.updates = None
        if training:
            new_scale = quantizers.compute_float8_scale(
                amax_history.max(), scale, torch.tensor(_E4M3_MAX, dtype=torch.float32))
            ctx.updates = (new_scale, quantizers.compute_float8_amax_history(x, amax_history))
        return quantizers.quantize_and_dequantize(x, scale, "float8_e4m3fn", compute_dtype)

    @staticmethod
    def backward(ctx, upstream):
        new_scale, new_history = ctx.updates if ctx.updates is not None else (None, None)
        return upstream, new_scale, new_history, None, None


class _Float8GradQDQ(torch.autograd.Function):
    """The identity forward; the output gradient is quantize-dequantized in e5m2 and the scale updated."""

    @staticmethod
    def forward(ctx, x, scale, amax_history, compute_dtype):
        ctx.save_for_backward(scale, amax_history)
        ctx.compute_dtype = compute_dtype
        return x.view_as(x)

    @staticmethod
    def backward(ctx, upstream):
        scale, amax_history = ctx.saved_tensors
        new_scale = quantizers.compute_float8_scale(
            amax_history.max(), scale, torch.tensor(_E5M2_MAX, dtype=torch.float32))
        qdq = quantizers.quantize_and_dequantize(upstream, scale, "float8_e5m2", ctx.compute_dtype)
        return qdq, new_scale, quantizers.compute_float8_amax_history(upstream, amax_history), None


def int_einsum(equation, a, b, contracted: int) -> torch.Tensor:
    """``einsum`` of two integer-valued tensors, exact as Keras's int32 result, returned as float32."""
    if torch.is_autocast_enabled(a.device.type):
        with torch.autocast(a.device.type, enabled=False):  # a bfloat16 product would not be exact
            return int_einsum(equation, a, b, contracted)
    if contracted <= _EXACT_FLOAT32_K:
        return torch.einsum(equation, a.to(torch.float32), b.to(torch.float32))
    if a.device.type == "cpu":
        return torch.einsum(equation, a.to(torch.int32), b.to(torch.int32)).to(torch.float32)
    return torch.einsum(equation, a.to(torch.float64), b.to(torch.float64)).to(torch.float32)


def int_matmul(a, b) -> torch.Tensor:
    """``a @ b`` of integer-valued tensors, exact as Keras's int32 matmul, returned as float32."""
    if torch.is_autocast_enabled(a.device.type):
        with torch.autocast(a.device.type, enabled=False):  # a bfloat16 product would not be exact
            return int_matmul(a, b)
    if a.shape[-1] <= _EXACT_FLOAT32_K:
        return torch.matmul(a.to(torch.float32), b.to(torch.float32))
    if a.device.type == "cpu":
        return torch.matmul(a.to(torch.int32), b.to(torch.int32)).to(torch.float32)
    return torch.matmul(a.to(torch.float64), b.to(torch.float64)).to(torch.float32)


class QuantizableMixin:
    """``quantize``, the quantized policy, weights and saving spec shared by the quantizable layers.

    A layer using it defines ``_quantized_modes``, ``_quantization_spec``
    (variable names saved per mode, Keras's ``variable_serialization_spec``),
    ``_quantize_weights(mode, config)`` and the ``_<mode>_call`` methods.
    """

    _quantized_modes = ("int8", "int4", "float8")
    _quantization_spec: dict = {}
    _is_quantized = False  # set by ``quantized_build``; checked on every call (cheaper than the policy)
    quantization_config = None

    # ------------------------------------------------------------------ policy
    def _own_policy(self):
        policy = self._dtype_policy
        if isinstance(policy, DTypePolicyMap):
            policy = policy[getattr(self, "path", self.name)]
        return policy

    @property
    def quantization_mode(self):
        """The quantization mode of the layer's policy, ``None`` when not quantized (Keras)."""
        return self._own_policy().quantization_mode

    @property
    def variable_serialization_spec(self):
        """The weights saved for the current mode, in Keras's order (missing optional ones are skipped).

        ``None`` (all own weights) where the layer lists no names for the mode.
        """
        names = self._quantization_spec.get(self.quantization_mode)
        return None if names is None else {None: names}

    # ------------------------------------------------------------------ quantize
    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the built layer's weights to ``mode`` (``"int8"``, ``"int4"``, ``"float8"``, ``"gptq"``, ``"awq"``).

        ``config`` (a ``keras.quantizers.QuantizationConfig``) picks the
        quantizers; without one the mode's default config is used (int4:
        sub-channel with ``block_size=128``).  ``"gptq"`` and ``"awq"``
        (``Dense`` and ``EinsumDense``, with a ``GPTQConfig``/``AWQConfig``)
        only create their variables: the float kernel stays in use until the model-level
        calibration (``Model.quantize``) replaces it.  Raises ``ValueError`` for an
        unbuilt or already quantized layer or an invalid mode, and
        ``NotImplementedError`` for a mode the layer does not support or a
        subclass (``type_check``), as Keras.
        """
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        self._check_quantize_args(mode, self.compute_dtype)
        if type_check and type(self) is not self._quantizable_class():
            raise self._not_implemented_error("quantize")
        if mode not in self._quantized_modes:
            raise self._quantization_mode_error(mode)
        self.quantization_config = config
        self._quantize_weights(mode, config)
        self._is_quantized = True
        if self._own_policy().quantization_mode is None:
            name = mode
            if mode in ("gptq", "awq"):
                name = config.dtype_policy_string()
            elif mode == "int4":
                block_size = quantizers.quantization_config.get_block_size_for_layer(self, config)
                name = f"int4/{-1 if block_size is None else block_size}"
            self._dtype_policy = dtype_policies.get(f"{name}_from_{self._dtype_policy.name}")

    def _quantizable_class(self):
        for cls in type(self).__mro__:
            if QuantizableMixin in cls.__bases__:
                return cls
        return type(self)

    def _check_quantize_args(self, mode, compute_dtype):
        if not self.built:
            raise ValueError(
                "Cannot quantize a layer that isn't yet built. "
                f"Layer '{self.name}' (of type '{type(self).__name__}') is not built yet.")
        if getattr(self, "_is_quantized", False):
            raise ValueError(
                f"Layer '{self.name}' is already quantized with dtype_policy='{self.dtype_policy.name}'. "
                f"Received: mode={mode}")
        if mode not in QUANTIZATION_MODES:
            raise ValueError(
                f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")
        if mode == "int8" and compute_dtype == "float16":
            raise ValueError(
                f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'. Consider "
                "loading model/layer with another dtype policy such as 'mixed_bfloat16' or "
                "'mixed_float16' before calling `quantize()`.")

    def _not_implemented_error(self, name):
        return NotImplementedError(
            f"Layer {type(self).__name__} does not have a `{name}` method implemented.")

    def _quantization_mode_error(self, mode):
        return NotImplementedError(
            f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: quantization_mode={mode}")

    # ------------------------------------------------------------------ weights
    def _drop_weight(self, attr: str):
        """Remove the weight held in ``attr`` (the float kernel being replaced) and return it."""
        param = getattr(self, attr)
        self._own_weights[:] = [w for w in self._own_weights if w is not param]
        delattr(self, attr)
        return param

    def _fixed_weight(self, name, shape, dtype, initializer="zeros"):
        return self.add_weight(name=name, shape=shape, initializer=initializer, dtype=dtype, trainable=False)

    def _float8_build(self):
        """The six float8 scale/amax-history weights, trainable and overwritten with their gradients."""
        length = getattr(self._own_policy(), "amax_history_length",
                         QuantizedFloat8DTypePolicy.default_amax_history_length)
        for prefix in ("inputs", "kernel", "outputs_grad"):
            for suffix, shape, init in (("scale", (), "ones"), ("amax_history", (length,), "zeros")):
                weight = self.add_weight(name=f"{prefix}_{suffix}", shape=shape, initializer=init,
                                         dtype="float32", trainable=True, autocast=False)
                weight.overwrite_with_gradient = True
                setattr(self, f"{prefix}_{suffix}", weight)

    def _ac(self, variable):
        """``variable`` in the compute dtype under a mixed policy, as Keras autocasts float variables in ``call``."""
        compute = self.compute_dtype
        if (compute != self.variable_dtype and variable.is_floating_point()
                and getattr(variable, "_keras_autocast", True)):
            return variable.to(getattr(torch, compute))
        return variable

    def _float8_operands(self, inputs, kernel):
        """``inputs`` and ``kernel`` quantize-dequantized through e4m3, as Keras's float8 call."""
        compute = self.compute_dtype
        training = bool(self.training)
        return (_Float8QDQ.apply(inputs, self.inputs_scale, self.inputs_amax_history, compute, training),
                _Float8QDQ.apply(kernel, self.kernel_scale, self.kernel_amax_history, compute, training))

    def _float8_finish(self, x):
        """The output-gradient qdq and Keras's bias add (the bias rounded through bfloat16 under float32)."""
        x = _Float8GradQDQ.apply(x, self.outputs_grad_scale, self.outputs_grad_amax_history, self.compute_dtype)
        if self.bias is not None:
            bias = self._ac(self.bias)
            if self.compute_dtype == "float32":
                bias = bias.to(torch.bfloat16).to(bias.dtype)
            x = x + bias
        return x

    def _int4_scale_weights(self, prefix, scale_shape, grouped, length, block_size) -> None:
        """``<prefix>_scale``, and when ``grouped`` ``<prefix>_zero`` and ``g_idx`` (the group of each
        of ``length`` rows), in Keras's order and dtypes."""
        setattr(self, f"{prefix}_scale", self._fixed_weight(f"{prefix}_scale", scale_shape, None, "ones"))
        if grouped:
            setattr(self, f"{prefix}_zero", self._fixed_weight(f"{prefix}_zero", scale_shape, "int8"))
            self.g_idx = self._fixed_weight("g_idx", (length,), "float32")
            with torch.no_grad():
                self.g_idx.copy_(torch.div(torch.arange(length, dtype=torch.float32), block_size,
                                           rounding_mode="floor"))

    # ------------------------------------------------------------------ kernel layers
    def _store_quantized_kernel(self, kernel_shape, mode, config, value, scale, zero=None) -> None:
        """Replace the float kernel by ``mode``'s variables holding ``value``, ``scale`` (and ``zero``)."""
        self._drop_weight("kernel")
        self.quantized_build(kernel_shape, mode, config)
        with torch.no_grad():
            self.kernel.copy_(value)
            self.kernel_scale.copy_(scale.reshape(self.kernel_scale.shape))
            if zero is not None:
                self.kernel_zero.copy_(zero)

    def _kernel_quantized_call(self, inputs, product):
        """The quantized forward of ``Dense``/``EinsumDense``; ``product(x, kernel)`` is their contraction.

        float8: quantize-dequantized operands and output gradient, as Keras; int8/int4: the
        integer forward with the straight-through input gradient; then bias and activation.
        """
        compute = getattr(torch, self.compute_dtype)
        if inputs.is_floating_point() and inputs.dtype != compute:
            inputs = inputs.to(compute)
        if self.quantization_mode == "float8":
            x, kernel = self._float8_operands(inputs, self._ac(self.kernel))
            out = self._float8_finish(product(x, kernel))
        else:
            out = StraightThrough.apply(inputs, self._int_forward, self._int_input_grad)
            if self.bias is not None:
                out = out + self._ac(self.bias)
        if self._act is not None:
            out = self._act(out)
        return out

    # ------------------------------------------------------------------ gptq / awq
    def _gptq_build(self, rows, columns, config, zero_name="kernel_zero", mode="gptq") -> None:
        """Keras's gptq (or awq) variables for a kernel seen as ``(rows, columns)``: the kernel
        ``(columns, rows)`` as uint8 (4 bits: two per byte, ``ceil(columns/2)`` rows), per group
        ``kernel_scale``, ``kernel_zero`` (uint8) of shape ``(columns, n_groups)``, for awq the
        per-row ``awq_scales`` ``(rows,)``, and the float ``g_idx`` ``(rows,)``."""
        if mode == "awq":
            from keraton.quantizers import awq_core

            bits, group_size = 4, awq_core.get_group_size_for_layer(self, config)
        else:
            from keraton.quantizers import gptq_core

            bits = gptq_core.get_weight_bits_for_layer(self, config)
            group_size = gptq_core.get_group_size_for_layer(self, config)
        n_groups = 1 if group_size == -1 else -(-rows // group_size)
        packed = (columns + 1) // 2 if bits == 4 else columns
        self._gptq_bits = bits
        self._gptq_columns = columns
        self.quantized_kernel = self._fixed_weight("kernel", (packed, rows), "uint8")
        self.kernel_scale = self._fixed_weight("kernel_scale", (columns, n_groups), None, "ones")
        self.kernel_zero = self._fixed_weight(zero_name, (columns, n_groups), "uint8")
        if mode == "awq":
            self.awq_scales = self._fixed_weight("awq_scales", (rows,), None, "ones")
        self.g_idx = self._fixed_weight("g_idx", (rows,), "float32")
        # Built from a gptq/awq policy (a loaded model) the weights are the calibrated ones;
        # ``quantize(mode)`` marks the layer uncalibrated until GPTQ/AWQ has run.
        setattr(self, f"is_{mode}_calibrated", True)

    def _store_gptq_weights(self, quantized, scale, zero, g_idx, awq_scales=None) -> None:
        """Write GPTQ's (or AWQ's, with ``awq_scales``) results into the layer's variables and drop the
        float kernel."""
        with torch.no_grad():
            self.quantized_kernel.copy_(quantized)
            self.kernel_scale.copy_(scale)
            self.kernel_zero.copy_(zero)
            self.g_idx.copy_(g_idx)
            if awq_scales is not None:
                self.awq_scales.copy_(awq_scales)
        self._drop_weight("kernel")
        setattr(self, f"is_{self.quantization_mode}_calibrated", True)

    def _gptq_float_kernel(self, shape):
        """The dequantized gptq/awq kernel, ``(rows, columns)`` (awq: divided by ``awq_scales`` per row),
        reshaped to ``shape``, in the compute dtype."""
        kernel = self.quantized_kernel
        if self._gptq_bits == 4:
            kernel = quantizers.unpack_int4(kernel, self._gptq_columns, axis=0, dtype="uint8")
        kernel = quantizers.dequantize_with_sz_map(kernel, self._ac(self.kernel_scale), self.kernel_zero, self.g_idx)
        kernel = kernel.T
        if self.quantization_mode == "awq":
            kernel = kernel / self._ac(self.awq_scales).unsqueeze(-1)
        return kernel.reshape(shape)

    def _calibrated_call(self, inputs, product, shape):
        """The gptq/awq forward: the float kernel before calibration, then the dequantized kernel, as Keras;
        ``product(x, kernel)`` is the layer's contraction."""
        if not getattr(self, f"is_{self.quantization_mode}_calibrated"):
            kernel = self.kernel
        else:
            kernel = self._gptq_float_kernel(shape)
        compute = getattr(torch, self.compute_dtype)
        if inputs.is_floating_point() and inputs.dtype != compute:
            inputs = inputs.to(compute)
        out = product(inputs, kernel.to(inputs.dtype))
        if self.bias is not None:
            out = out + self._ac(self.bias)
        if self._act is not None:
            out = self._act(out)
        return out

    # ------------------------------------------------------------------ config
    def _quantization_config_entries(self, config: dict) -> dict:
        from keraton.saving.serialization_lib import serialize_keras_object

        if self.quantization_mode is not None:
            config["dtype"] = serialize_keras_object(self._dtype_policy)
        config["quantization_config"] = serialize_keras_object(self.quantization_config)
        return config

    @classmethod
    def from_config(cls, config):
        """Create the layer; a serialized ``quantization_config`` becomes the config object."""
        config = dict(config)
        if isinstance(config.get("quantization_config"), dict):
            config["quantization_config"] = quantizers.deserialize(config["quantization_config"])
        return cls(**config)


def quantize_for_policy(layer, policy) -> None:
    """Quantize a built ``layer`` whose dtype policy was set to the quantized ``policy``, as Keras 3.

    GPTQ cannot be enabled this way (it needs calibration data): ``ValueError``,
    as Keras.  A layer without ``quantize`` raises ``NotImplementedError``.
    """
    mode = policy.quantization_mode
    if mode == "gptq":
        raise ValueError(
            f"Implicitly enabling GPTQ quantization by setting `dtype_policy` to '{policy.name}' is not "
            "supported. GPTQ requires a calibration dataset and a `GPTQConfig` object.\n\nPlease use the "
            "`.quantize('gptq', config=...)` method on the layer or model instead.")
    if not hasattr(layer, "quantize"):
        raise NotImplementedError(
            f"Layer {type(layer).__name__} does not have a `quantize` method implemented: "
            f"it cannot take the quantized dtype policy '{policy.name}'.")
    layer.quantize(mode)
