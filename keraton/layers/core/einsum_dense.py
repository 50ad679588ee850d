"""``EinsumDense``: a dense layer whose contraction is any ``einsum`` equation (``keras.layers.EinsumDense``)."""

from __future__ import annotations

import re
import string

import numpy as np
import torch

from keraton import activations, constraints, initializers, quantizers, regularizers
from keraton.initializers.random_initializers import VarianceScaling
from keraton.layers.core.quantization import QuantizableMixin, int_einsum
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class EinsumDense(QuantizableMixin, Layer):
    """A layer computing ``activation(einsum(equation, inputs, kernel) + bias)``, as ``keras.layers.EinsumDense``.

    The kernel and bias are stored in Keras's layout (the kernel's axes are
    the letters of the equation's second operand), so ``get_weights()`` and
    weight files match Keras with no conversion; ``call`` is one
    ``torch.einsum``.

    Args:
        equation: ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or ``"ab...,bc->ac..."``.
        output_shape: the output shape without the batch axis and the axes
            covered by the ellipsis; an int for one axis; ``None`` entries
            are taken from the input.
        activation: name or callable; ``None`` means linear.
        bias_axes: letters of the output to which a bias is added (``None``:
            no bias).  The bias spans from the first of these letters to the
            end of the output, with size 1 on output axes not listed.
        kernel_initializer, bias_initializer: initializers (``'glorot_uniform'``,
            ``'zeros'``).  A variance-scaling kernel initializer without axes
            gets the equation's input and output axes for its fans, as in Keras.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.
        quantization_config: a ``keras.quantizers.QuantizationConfig`` used
            when the layer is built with a quantized ``dtype``;
            ``quantize(mode)`` quantizes a built layer (int8, int4, float8) as
            Keras does, with scales along the equation's non-contracted axes.

    Shape:
        input of the rank the equation's first operand gives -> output of the
        rank of its result.

    Example:
        >>> layer = keraton.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
        >>> layer(torch.ones(2, 5, 16)).shape
        torch.Size([2, 5, 64])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        gptq_unpacked_column_size = kwargs.pop("gptq_unpacked_column_size", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self.quantization_config = quantization_config
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense 'equation' must be a string, got {equation!r}.")
        self.equation = equation
        if lora_rank:
            raise ValueError(f"Layer '{self.name}' (EinsumDense): lora_rank is not supported by keraton.")
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._act = None if self.activation is activations.linear else self.activation
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = False

    def _analyze(self, input_shape):
        try:
            return _analyze_split(*_split_equation(self.equation), self.bias_axes,
                                  tuple(input_shape), self.partial_output_shape)
        except ValueError as e:
            raise ValueError(f"Layer '{self.name}' (EinsumDense): {e}") from None

    def build(self, input_shape) -> None:
        """Create ``kernel`` (shape from the equation's second operand) and ``bias`` (from ``bias_axes``)."""
        kernel_shape, bias_shape, _, input_axes, output_axes, contracted = self._analyze(input_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(
                f"Layer '{self.name}' (EinsumDense) needs the kernel axes of equation "
                f"'{self.equation}' to be known, got input shape {tuple(input_shape)} and "
                f"output_shape {self.partial_output_shape}."
            )
        # Keras checks only the rank; the contracted axes are checked too, so a wrong size
        # fails here with the layer's name rather than inside torch.einsum.
        self.input_spec = InputSpec(ndim=len(input_shape), axes=contracted)
        kernel_initializer = self.kernel_initializer
        if isinstance(kernel_initializer, VarianceScaling) and (
            kernel_initializer.input_axes is None or kernel_initializer.output_axes is None
        ):
            config = kernel_initializer.get_config()
            config.update(input_axes=input_axes, output_axes=output_axes)
            kernel_initializer = type(kernel_initializer).from_config(config)
        mode = self.quantization_mode
        if mode is not None:
            self.quantized_build(tuple(kernel_shape), mode, self.quantization_config)
        if mode not in ("int8", "int4", "gptq", "awq"):
            self.kernel = self.add_weight(
                shape=tuple(kernel_shape), initializer=kernel_initializer, name="kernel",
                regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            )
        if bias_shape is not None:
            self.bias = self.add_weight(
                shape=tuple(bias_shape), initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, training=None):
        """Compute ``activation(einsum(equation, inputs, kernel) + bias)`` (quantized when quantized)."""
        if self._is_quantized:
            return self._quantized_call(inputs)
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        out = torch.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            out = out + self.bias
        if self._act is not None:
            out = self._act(out)
        return out

    def compute_output_shape(self, input_shape):
        """The full output shape the equation gives for ``input_shape``."""
        return tuple(self._analyze(input_shape)[2])

    def get_config(self) -> dict:
        """Keras 3's EinsumDense config."""
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        if self.gptq_unpacked_column_size:
            config["gptq_unpacked_column_size"] = self.gptq_unpacked_column_size
        return self._quantization_config_entries(config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, equation={self.equation!r}, output_shape={self.partial_output_shape}"

    # ------------------------------------------------------------------ quantization
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

    def _set_quantization_info(self):
        if getattr(self, "_qinfo", None) is None:
            self._qinfo = analyze_quantization_info(self.equation, self.input_spec.ndim)

    def quantized_build(self, kernel_shape, mode, config=None):
        """Create the quantized weights of ``mode`` for a kernel of ``kernel_shape``, as Keras."""
        kernel_shape = tuple(kernel_shape)
        if mode in ("int8", "int4"):
            self._set_quantization_info()
            self.quantization_axis = tuple(self._qinfo["input_reduced"])
        if mode == "int8":
            self.inputs_quantizer = quantizers.QuantizationConfig.activation_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer())
            self.kernel = self._fixed_weight("kernel", kernel_shape, "int8")
            self.kernel_scale = self._fixed_weight("kernel_scale", self._kernel_scale_shape(kernel_shape), None,
                                                   "ones")
        elif mode == "int4":
            self.inputs_quantizer = quantizers.QuantizationConfig.activation_quantizer_or_default(config, None)
            self.original_kernel_shape = kernel_shape
            reduced = self._qinfo["kernel_reduced"]
            rows = int(np.prod([d for i, d in enumerate(kernel_shape) if i in reduced]))
            columns = int(np.prod([d for i, d in enumerate(kernel_shape) if i not in reduced]))
            block_size = quantizers.quantization_config.get_block_size_for_layer(self, config)
            grouped = block_size is not None and block_size != -1
            self._int4_block_size = block_size if grouped else None
            self._int4_unpacked_column_size = columns
            self._int4_rows = rows
            self.kernel = self._fixed_weight("kernel", (rows, (columns + 1) // 2), "int8")
            scale_shape = (-(-rows // block_size), columns) if grouped else (columns,)
            self._int4_scale_weights("kernel", scale_shape, grouped, rows, block_size)
        elif mode == "float8":
            self._float8_build()
        elif mode in ("gptq", "awq"):
            from keraton.quantizers.gptq import kernel_rows_columns

            if mode == "awq" and len(kernel_shape) not in (2, 3):
                raise ValueError(
                    f"AWQ quantization only supports 2D or 3D kernels; layer '{self.name}' has a kernel of "
                    f"shape {kernel_shape}.")
            self.original_kernel_shape = kernel_shape
            rows, columns = kernel_rows_columns(kernel_shape)
            setattr(self, f"{mode}_unpacked_column_size", columns)
            self._gptq_build(rows, columns, config, zero_name="zero_point", mode=mode)
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _kernel_scale_shape(self, kernel_shape):
        info = self._qinfo
        shape = np.array(kernel_shape)
        shape[info["kernel_reduced"]] = 1
        shape = shape[info["kernel_transpose"]].tolist()
        for a in sorted(info["kernel_expand"]):
            shape.insert(a, 1)
        for a in sorted(info["kernel_squeeze"], reverse=True):
            shape.pop(a)
        return tuple(shape)

    def _scale_for_quant(self, scale, which):
        """A quantizer's keepdims scale laid out to broadcast against the einsum output (Keras's order)."""
        info = self._qinfo
        if info[f"{which}_transpose"]:
            scale = scale.permute(*info[f"{which}_transpose"])
        for a in sorted(info[f"{which}_expand"]):
            scale = scale.unsqueeze(a)
        if info[f"{which}_squeeze"]:
            scale = scale.squeeze(tuple(info[f"{which}_squeeze"]))
        return scale

    def _scale_for_dequant(self, scale):
        """The kernel scale laid out back as the kernel, to dequantize it."""
        info = self._qinfo
        for a in sorted(info["kernel_squeeze"]):
            scale = scale.unsqueeze(a)
        if info["kernel_expand"]:
            scale = scale.squeeze(tuple(info["kernel_expand"]))
        transpose = info["kernel_transpose"]
        if transpose:
            scale = scale.permute(*sorted(range(len(transpose)), key=transpose.__getitem__))
        return scale

    def _quantize_weights(self, mode, config):
        kernel_shape = tuple(self.kernel.shape)
        if mode == "float8":
            self.quantized_build(kernel_shape, mode)
            return
        if mode in ("gptq", "awq"):
            self.quantized_build(kernel_shape, mode, config)
            setattr(self, f"is_{mode}_calibrated", False)
            return
        self._set_quantization_info()
        kernel = self.kernel.detach()
        reduced = self._qinfo["kernel_reduced"]
        zero = None
        if mode == "int8":
            quantizer = quantizers.QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=reduced))
            value, scale = quantizer(kernel, to_numpy=True)
            scale = self._scale_for_quant(scale, "kernel")
        else:
            block_size = getattr(config, "block_size", None)
            rows = int(np.prod([d for i, d in enumerate(kernel_shape) if i in reduced]))
            flat = kernel.reshape(rows, -1)
            if block_size is None or block_size == -1:
                value, scale = quantizers.abs_max_quantize(flat, axis=0, value_range=(-8, 7), dtype="int8",
                                                           to_numpy=True)
                scale = scale.squeeze(0)
            else:
                value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                    flat, block_size=block_size, to_numpy=True)
            value = quantizers.pack_int4(value, axis=-1)[0]
        self._store_quantized_kernel(kernel_shape, mode, config, value, scale, zero)

    def _quantized_call(self, inputs):
        if self.quantization_mode in ("gptq", "awq"):
            return self._gptq_call(inputs)
        return self._kernel_quantized_call(inputs, lambda x, kernel: torch.einsum(self.equation, x, kernel))

    def _gptq_call(self, inputs):
        """The float kernel before calibration, then the dequantized GPTQ/AWQ kernel, as Keras."""
        return self._calibrated_call(inputs, lambda x, kernel: torch.einsum(self.equation, x, kernel),
                                     self.original_kernel_shape)

    _awq_call = _gptq_call

    def _float_kernel(self):
        """The dequantized kernel (Keras's gradient kernel, and its int4 forward kernel)."""
        compute = getattr(torch, self.compute_dtype)
        if self.quantization_mode == "int8":
            return self.kernel.to(compute) / self._scale_for_dequant(self._ac(self.kernel_scale))
        unpacked = quantizers.unpack_int4(self.kernel, self._int4_unpacked_column_size, axis=-1)
        if self._int4_block_size is None:
            flat = unpacked.to(compute) / self._ac(self.kernel_scale)
        else:
            flat = quantizers.dequantize_with_sz_map(unpacked, self._ac(self.kernel_scale), self.kernel_zero, self.g_idx,
                                                     group_axis=0).to(compute)
        return flat.reshape(self.original_kernel_shape)

    def _int_forward(self, inputs):
        if self.inputs_quantizer and (self.quantization_mode == "int8" or self._int4_block_size is None):
            q, inputs_scale = self.inputs_quantizer(inputs, axis=self.quantization_axis)
            inputs_scale = self._scale_for_quant(inputs_scale, "input")
            if self.quantization_mode == "int8":
                contracted = int(np.prod([inputs.shape[a] for a in self.quantization_axis]))
                out = int_einsum(self.equation, q, self.kernel, contracted).to(inputs.dtype)
                return out / (inputs_scale * self._ac(self.kernel_scale))
            out = torch.einsum(self.equation, q.to(inputs.dtype), self._float_kernel())
            return out / inputs_scale
        return torch.einsum(self.equation, inputs, self._float_kernel())

    def _int_input_grad(self, upstream):
        return torch.einsum(self._qinfo["gradient_equation"], upstream, self._float_kernel().to(upstream.dtype))

def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """Return ``(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes)`` for an equation.

    Follows Keras's rules: the equation is ``X,Y->Z`` with an optional
    ellipsis at the start of ``X`` and ``Z`` or at the end of both; kernel
    axes take their size from the output shape (letters of ``Z``) or the
    input shape (letters of ``X``); ``input_axes``/``output_axes`` index the
    kernel axes that are contracted / produced (for initializer fans).
    """
    return _analyze_split(*_split_equation(equation), bias_axes, input_shape, output_shape)[:5]


def _split_equation(equation):
    """``(input_spec, kernel_spec, output_spec, left_elided)`` of an equation Keras accepts."""
    compact = equation.replace("...", "0")
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        match = re.fullmatch(pattern, compact)
        if match:
            return (*match.groups(), left)
    raise ValueError(
        f"invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _analyze_split(input_spec, weight_spec, output_spec, left_elided, bias_axes, input_shape,
                   output_shape):
    elided = len(input_shape) - len(input_spec)
    if elided < 0:
        raise ValueError(
            f"the equation's input '{input_spec}' needs rank >= {len(input_spec)}, got input "
            f"shape {tuple(input_shape)}."
        )
    full = [input_shape[0]] + list(output_shape)
    if elided > 0 and left_elided:
        for i in range(1, elided):
            full.insert(1, input_shape[i])
    elif elided > 0:
        full.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_dim = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim = {d: i for i, d in enumerate(input_spec)}
        output_dim = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_dim:
            want, got = full[output_dim[d]], input_shape[input_dim[d]]
            if want is not None and got is not None and want != got:
                raise ValueError(
                    f"input shape and output shape do not match at shared dimension '{d}': "
                    f"input has {got}, output_shape has {want}."
                )
            if want is None:
                # Keras leaves this unknown; the einsum output has the input's size here.
                full[output_dim[d]] = got
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(
                f"dimension '{d}' of the output '{output_spec}' is in neither the input "
                f"'{input_spec}' nor the kernel '{weight_spec}'."
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_dim:
            kernel_shape.append(full[output_dim[d]])
            output_axes.append(i)
        elif d in input_dim:
            kernel_shape.append(input_shape[input_dim[d]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"kernel dimension '{d}' is in neither the input '{input_spec}' nor the "
                f"output '{output_spec}'; the kernel must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        sizes = {d: full[i + offset] for i, d in enumerate(output_spec)}
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"bias dimension '{d}' is not part of the output '{output_spec}'.")
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    contracted = {input_dim[d]: input_shape[input_dim[d]] for d in weight_spec
                  if d in input_dim and d not in output_dim}
    return kernel_shape, bias_shape, full, input_axes, output_axes, contracted


def analyze_quantization_info(equation, ndim):
    """The axes Keras's int8/int4 EinsumDense quantizes over and how scales line up with the output.

    Follows Keras's ``_analyze_quantization_info`` step by step (including
    how it places reduced axes that have no spare output axis), so scale
    shapes and values equal Keras's.  Returns a dict with
    ``input_reduced``/``kernel_reduced`` axes, the ``*_transpose``,
    ``*_expand``, ``*_squeeze`` layouts of the input and kernel scales and
    the ``gradient_equation`` giving the inputs' gradient.
    """
    compact = re.sub(r"\.\.\.", "0", equation)
    match = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", compact)
    left = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", compact)
    right = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", compact)
    if match is None and left is None and right is None:
        raise ValueError(
            f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
            "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    x, w, z = (match or left or right).groups()
    if match is None:
        spare = sorted(set(string.ascii_letters) - set(x) - set(w) - set(z))
        elided = ndim - len(x)
        for i in range(elided):
            x, z = (spare[i] + x, spare[i] + z) if left is not None else (x + spare[i], z + spare[i])
    input_reduced = [i for i, c in enumerate(x) if z.find(c) == -1]
    kernel_reduced = [i for i, c in enumerate(w) if z.find(c) == -1]
    # Keras reuses one loop variable here; its last value seeds the placement below.
    index = z.find(w[-1]) if w else z.find(x[-1])
    input_expand = [i for i, c in enumerate(z) if x.find(c) == -1]
    kernel_expand = [i for i, c in enumerate(z) if w.find(c) == -1]
    input_transpose = [x.find(c) for c in z if x.find(c) != -1]
    kernel_transpose = [w.find(c) for c in z if w.find(c) != -1]
    input_squeeze, kernel_squeeze = [], []
    for reduced, expand, squeeze, transpose in ((input_reduced, input_expand, input_squeeze, input_transpose),
                                                (kernel_reduced, kernel_expand, kernel_squeeze, kernel_transpose)):
        for axis in reduced:
            if expand:
                index = expand.pop(0)
            else:
                squeeze.append(axis)
            transpose.insert(index, axis)
    return {"input_reduced": input_reduced, "kernel_reduced": kernel_reduced,
            "input_transpose": input_transpose, "kernel_transpose": kernel_transpose,
            "input_expand": input_expand, "kernel_expand": kernel_expand,
            "input_squeeze": input_squeeze, "kernel_squeeze": kernel_squeeze,
            "gradient_equation": f"{z},{w}->{x}"}
