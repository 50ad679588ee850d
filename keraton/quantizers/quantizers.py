"""Quantizers and quantization maths of ``keras.quantizers`` (Keras 3.15), in torch.

Every function takes and returns torch tensors (NumPy arrays and lists are
accepted and converted); the rounding, clipping and epsilon placement follow
Keras exactly, so quantized values and scales equal those Keras computes.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from keraton import backend

# Keras evaluates ``backend.epsilon()`` once, in its signatures: the default is fixed at import.
_EPSILON = backend.epsilon()
_FLOAT8 = {"float8_e4m3fn": torch.float8_e4m3fn, "float8_e5m2": torch.float8_e5m2}


def _tensor(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    array = np.asarray(x)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    return torch.as_tensor(array)


def _dtype(name) -> torch.dtype:
    if isinstance(name, torch.dtype):
        return name
    if name in _FLOAT8:
        return _FLOAT8[name]
    return backend.torch_dtype(name)


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Quantizer:
    """Base class of quantizers (``keras.quantizers.Quantizer``): ``__call__`` maps a tensor to its quantized form.

    Args:
        output_dtype: dtype of the quantized values (``"int8"``).
    """

    _keras_module = "keras.quantizers"

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        """The identity in the base class; subclasses return ``(quantized, scale)``."""
        return x

    @classmethod
    def from_config(cls, config):
        """Create the quantizer from :meth:`get_config`'s output."""
        return cls(**config)

    def get_config(self):
        """The constructor arguments; subclasses must implement it, as in Keras."""
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=_EPSILON,
                     to_numpy=False):
    """Symmetric abs-max quantization, as ``keras.quantizers.abs_max_quantize``.

    ``scale = value_range[1] / (max(|inputs|, axis, keepdims) + epsilon)``;
    ``quantized = clip(round(inputs * scale), *value_range)`` cast to ``dtype``.
    ``to_numpy`` detaches the input, as Keras's host computation does (same values).

    Returns:
        ``(quantized, scale)``; ``scale`` keeps the reduced axes with size 1
        and has the input's float dtype.

    Example:
        >>> q, s = abs_max_quantize(torch.tensor([[1.0, -2.0]]), axis=-1)
        >>> q.tolist(), s.shape
        ([[64, -127]], torch.Size([1, 1]))
    """
    x = _tensor(inputs)
    if to_numpy:
        x = x.detach()  # Keras's host path: no gradient flows through it
    amax = x.abs().amax(dim=_axes(axis, x.dim()), keepdim=True)
    # torch.div, not ``number / tensor`` (a reciprocal then a product), to round as Keras does.
    scale = torch.div(torch.tensor(value_range[1], dtype=amax.dtype), amax + epsilon).to(x.dtype)
    outputs = torch.clamp(torch.round(x * scale), value_range[0], value_range[1])
    return outputs.to(_dtype(dtype)), scale.to(x.dtype)


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7), dtype="int8",
                                             epsilon=_EPSILON, to_numpy=False):
    """Grouped asymmetric quantization of a 2D tensor along axis 0, as Keras's function of that name.

    Rows are split into groups of ``block_size`` (the last group zero-padded);
    each group and column gets ``scale = (max - min + epsilon) / (qmax - qmin)``
    and ``zero = clip(round(-min / scale) + qmin, qmin, qmax)``.

    Returns:
        ``(quantized (rows, cols) of dtype, scale (groups, cols), zero (groups, cols) int8)``.
    """
    x = _tensor(inputs)
    rows, cols = x.shape
    groups = math.ceil(rows / block_size)
    qmin, qmax = value_range
    padded = torch.cat([x, x.new_zeros(groups * block_size - rows, cols)]) if groups * block_size > rows else x
    grouped = padded.reshape(groups, block_size, cols)
    low = grouped.amin(dim=1, keepdim=True)
    high = grouped.amax(dim=1, keepdim=True)
    scale = ((high - low) + epsilon) / (qmax - qmin)
    zero = torch.clamp(torch.round(-low / scale) + qmin, qmin, qmax)
    quantized = torch.clamp(torch.round(grouped / scale) + zero, qmin, qmax).to(_dtype(dtype))
    quantized = quantized.reshape(groups * block_size, cols)[:rows]
    return quantized, scale.squeeze(1).to(x.dtype), zero.squeeze(1).to(torch.int8)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """``(weights - zero[g_idx]) * scale[g_idx]`` with the group parameters gathered along ``group_axis``."""
    groups = _tensor(g_idx).to(torch.int64)
    scale = _tensor(scale)
    scales = torch.index_select(scale, group_axis % scale.dim(), groups)
    zeros = torch.index_select(_tensor(zero), group_axis % scale.dim(), groups).to(scales.dtype)
    return (_tensor(weights_matrix) - zeros) * scales


class AbsMaxQuantizer(Quantizer):
    """The abs-max quantizer (``keras.quantizers.AbsMaxQuantizer``): calls :func:`abs_max_quantize`.

    Args:
        axis: deprecated default axis (give it to ``__call__``); ``None`` means -1.
        value_range: ``(min, max)`` of the quantized values.
        epsilon: added to the abs-max.
        output_dtype: dtype of the quantized values.

    Example:
        >>> q, scale = AbsMaxQuantizer()(torch.tensor([[0.5, -1.0]]))
        >>> q.tolist()  # 0.5 * 127 / (1 + 1e-7) rounds to 63
        [[63, -127]]
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=_EPSILON, output_dtype="int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (self.value_range[0] < -128 or self.value_range[1] > 127):
            raise ValueError(
                "Quantizer with output_dtype='int8' requires value_range to be within the "
                f"interval [-128, 127]. Received: value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        """``(quantized, scale)`` of ``x`` reduced over ``axis`` (the constructor's, else -1)."""
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy)

    def get_config(self):
        """Keras's config: ``value_range``, ``epsilon``, ``output_dtype`` and ``axis`` when set."""
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _adjust_and_nudge(min_range, max_range, num_bits, narrow_range):
    compute = torch.promote_types(min_range.dtype, torch.float32)
    min_range, max_range = min_range.to(compute), max_range.to(compute)
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = max_range - min_range
    scale = diff / (quant_max - quant_min)
    inv_scale = torch.div(torch.tensor(quant_max - quant_min, dtype=diff.dtype), diff)
    zero_point = torch.clamp(quant_min - min_range / scale, quant_min, quant_max)
    nudged_zero = torch.round(zero_point)
    return (quant_min - nudged_zero) * scale, (quant_max - nudged_zero) * scale, scale, inv_scale


class _FakeQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, min_vals, max_vals, num_bits, narrow_range, axis):
        nudged_min, nudged_max, scale, inv_scale = _adjust_and_nudge(min_vals, max_vals, num_bits, narrow_range)
        quant_zero = torch.floor(-nudged_min * inv_scale + 0.5)
        clamped = torch.minimum(torch.maximum(x.to(nudged_min.dtype), nudged_min), nudged_max)
        result = torch.floor((clamped - nudged_min) * inv_scale - quant_zero + 0.5) * scale
        ctx.save_for_backward(x, nudged_min, nudged_max)
        ctx.axis = axis
        ctx.shapes = (min_vals.shape, max_vals.shape)
        return result.to(x.dtype)

    @staticmethod
    def backward(ctx, upstream):
        x, nudged_min, nudged_max = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        dx = torch.where((x >= nudged_min) & (x <= nudged_max), upstream, zero)
        axes = [i for i in range(dx.dim()) if i != ctx.axis]

        def reduce(mask, shape):
            g = torch.where(mask, upstream, zero)
            g = g.sum(dim=axes) if ctx.axis is not None else g.sum()
            return g.reshape(shape)

        return (dx, reduce(x <= nudged_min, ctx.shapes[0]), reduce(x >= nudged_max, ctx.shapes[1]),
                None, None, None)


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Fake quantization into ``[min_vals, max_vals]``, as ``keras.quantizers.fake_quant_with_min_max_vars``.

    Values are clamped to the nudged range, quantized to ``2**num_bits``
    levels (``narrow_range`` drops the lowest) and dequantized.  Per-tensor
    with ``axis=None``, else per channel along ``axis``.  Gradients pass
    straight through inside the range and flow to ``min_vals``/``max_vals``
    for clamped values, as Keras's custom gradient.
    """
    x = _tensor(inputs)
    min_vals = _tensor(min_vals).to(x.device)
    max_vals = _tensor(max_vals).to(x.device)
    if axis is not None:
        axis = axis % x.dim()
    return _FakeQuant.apply(x, min_vals, max_vals, int(num_bits), bool(narrow_range), axis)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from an amax, as ``keras.quantizers.compute_float8_scale``.

    ``1 / (dtype_max / amax / 2**margin)``, keeping ``scale`` where ``amax``
    is not positive or not finite.
    """
    amax, scale, dtype_max = _tensor(amax), _tensor(scale), _tensor(dtype_max)
    reciprocal = torch.reciprocal(scale)
    factor = dtype_max / amax / (2 ** margin)
    factor = torch.where(amax > 0.0, factor, reciprocal)
    factor = torch.where(torch.isfinite(amax), factor, reciprocal)
    return torch.reciprocal(factor)


def compute_float8_amax_history(x, amax_history):
    """Roll ``amax_history`` left by one and write ``max(|x|)`` at index 0, as Keras."""
    x, amax_history = _tensor(x), _tensor(amax_history)
    amax = x.detach().abs().max().to(amax_history.dtype)
    history = torch.roll(amax_history, shifts=-1).clone()
    history[0] = amax
    return history


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """Round-trip ``inputs / scale`` through ``quantized_dtype`` (e.g. ``"float8_e4m3fn"``), as Keras.

    Values are clipped to the float8 range, cast, cast back and multiplied by ``scale``.
    """
    compute = _dtype(compute_dtype)
    qdtype = _dtype(quantized_dtype)
    limit = float(torch.finfo(qdtype).max)
    scale = _tensor(scale).to(compute)
    x = torch.clamp(_tensor(inputs) / scale, -limit, limit).to(qdtype)
    return x.to(compute) * scale


def pack_int4(arr, axis=0, dtype="int8"):
    """Pack int4 values (int8 in ``[-8, 7]``) two per byte along ``axis``, as ``keras.quantizers.pack_int4``.

    The first of each pair goes to the low nibble, the second to the high
    one; an odd length is padded with a zero.

    Returns:
        ``(packed, packed_shape, orig_len)``.

    Example:
        >>> packed, shape, n = pack_int4(torch.tensor([[-3, 7], [2, -8], [1, 0]], dtype=torch.int8))
        >>> packed.tolist(), shape, n
        ([[45, -121], [1, 0]], (2, 2), 3)
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    x = _tensor(arr)
    got = backend.dtype_name(x.dtype)
    if got != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {got}.")
    x = torch.movedim(x, axis % x.dim(), 0)
    n = x.shape[0]
    if n % 2:
        x = torch.cat([x, x.new_zeros((1,) + tuple(x.shape[1:]))])
    low = x[0::2].to(torch.int16) & 0x0F
    high = x[1::2].to(torch.int16) & 0x0F
    packed = (low | (high << 4)).to(torch.uint8).view(torch.uint8)
    packed = packed.view(torch.int8) if dtype == "int8" else packed
    packed = torch.movedim(packed, 0, axis % packed.dim())
    return packed, tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Reverse :func:`pack_int4`: int8 values in ``[-8, 7]`` (or ``[0, 15]`` for ``"uint8"``), as Keras."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    x = _tensor(packed)
    if x.dtype not in (torch.int8, torch.uint8):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {backend.dtype_name(x.dtype)}")
    axis = axis % x.dim()
    x = torch.movedim(x, axis, 0).to(torch.int16)
    low = x & 0x0F
    high = (x >> 4) & 0x0F
    if dtype == "int8":
        low, high = (low ^ 8) - 8, (high ^ 8) - 8
    out = torch.stack([low, high], dim=1).reshape((-1,) + tuple(x.shape[1:]))[:orig_len]
    return torch.movedim(out.to(_dtype(dtype)), 0, axis)
