"""``keras.ops.nn`` normalization (``moments``, ``batch_normalization``, ``layer_normalization``,
``rms_normalization``, ``normalize``), ``dot_product_attention`` and the remaining ops.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from keraton import backend
from keraton.ops._utils import convert_to_tensor, keras_op
from keraton.ops.nn.activations import _at_least_float32, _common_float, _float, _floatx

__all__ = [
    "batch_normalization", "depth_to_space", "dot_product_attention", "fold",
    "layer_normalization", "moments", "normalize", "polar", "psnr", "rms_normalization",
    "space_to_depth", "unfold",
]


# --------------------------------------------------------------------------- normalization


def _axes_tuple(axes, ndim):
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    return tuple(sorted(a % ndim for a in axes))


@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of ``x`` over ``axes``; float16 is computed in float32, as Keras.

    The variance is ``E[x**2] - E[x]**2`` (Keras's formula).  ``synchronized``
    (a cross-replica reduction) has nothing to synchronize in one process; it
    is refused under an initialised multi-process ``torch.distributed``.
    """
    if synchronized and torch.distributed.is_available() and torch.distributed.is_initialized() \
            and torch.distributed.get_world_size() > 1:
        raise NotImplementedError(
            "moments: synchronized=True across torch.distributed processes is not supported; "
            "use synchronized=False.")
    x = _float(x)
    dtype = x.dtype
    if dtype == torch.float16:
        x = x.float()
    dims = _axes_tuple(axes, x.ndim) if x.ndim else ()
    mean = torch.mean(x, dim=dims, keepdim=True)
    variance = torch.mean(torch.square(x), dim=dims, keepdim=True) - torch.square(mean)
    if not keepdims:
        mean, variance = mean.squeeze(dims), variance.squeeze(dims)
    if dtype == torch.float16:
        big = torch.finfo(torch.float16).max
        mean, variance = (torch.clamp(t, -big, big).to(dtype) for t in (mean, variance))
    return mean, variance


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    """``(x - mean) * scale / sqrt(variance + epsilon) + offset``, the vectors laid along ``axis``."""
    x, mean, variance = _common_float(x, mean, variance)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    vectors = {"mean": mean, "variance": variance, "offset": offset, "scale": scale}
    for name, v in vectors.items():
        if v is not None and tuple(convert_to_tensor(v).shape) != (x.shape[axis],):
            raise ValueError(
                f"batch_normalization: `{name}` must be a vector of length x.shape[axis] = "
                f"{x.shape[axis]}, got shape {tuple(convert_to_tensor(v).shape)}.")
    factor = torch.rsqrt(variance.reshape(shape) + epsilon)
    if scale is not None:
        factor = factor * convert_to_tensor(scale).to(x).reshape(shape)
    y = (x - mean.reshape(shape)) * factor
    return y if offset is None else y + convert_to_tensor(offset).to(x).reshape(shape)


def _is_trailing(axes, ndim) -> bool:
    return axes == tuple(range(ndim - len(axes), ndim))


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalize ``x`` to zero mean and unit variance over ``axis``, then ``* gamma + beta``.

    Computed in at least float32 and returned in ``x``'s dtype.  The deprecated
    ``rms_scaling=True`` divides by the standard deviation only, as Keras's.
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}.")
    x = convert_to_tensor(x)
    out_dtype = x.dtype if x.is_floating_point() else _floatx()
    x = x.to(_at_least_float32(x.dtype))
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = _axes_tuple(axis, x.ndim)
    gamma, beta = (None if v is None else convert_to_tensor(v).to(x) for v in (gamma, beta))
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    if rms_scaling:
        warnings.warn("layer_normalization: `rms_scaling=True` is deprecated; use "
                      "`rms_normalization` instead.", stacklevel=2)
        out = x * torch.rsqrt(torch.var(x, dim=axes, keepdim=True, unbiased=False) + epsilon)
        out = out if gamma is None else out * gamma.reshape(shape)
    elif _is_trailing(axes, x.ndim):
        out = F.layer_norm(x, [x.shape[d] for d in axes], gamma, beta, epsilon)
    else:
        mean, variance = moments(x, axes, keepdims=True)
        out = (x - mean) * torch.rsqrt(variance + epsilon)
        out = out if gamma is None else out * gamma.reshape(shape)
        out = out if beta is None else out + beta.reshape(shape)
    return out.to(out_dtype)


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2 over axis) + epsilon) * scale``, computed in at least float32."""
    x = convert_to_tensor(x)
    out_dtype = x.dtype if x.is_floating_point() else _floatx()
    x = x.to(_at_least_float32(x.dtype))
    if x.ndim == 0:
        x = x.reshape(1)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = _axes_tuple(axis, x.ndim)
    scale = None if scale is None else convert_to_tensor(scale).to(x)
    if _is_trailing(axes, x.ndim):
        out = F.rms_norm(x, [x.shape[d] for d in axes], scale, epsilon)
    else:
        out = x * torch.rsqrt(torch.mean(torch.square(x), dim=axes, keepdim=True) + epsilon)
        out = out if scale is None else out * scale
    return out.to(out_dtype)


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``), as Keras's.

    For ``order=2`` this is ``x * min(rsqrt(sum(x**2)), 1 / epsilon)``.
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, got order={order!r}.")
    x = _float(x)
    if x.ndim == 0:
        x = x.reshape(1)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True))
        return x * torch.clamp(inv_norm, max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


# --------------------------------------------------------------------------- attention


def _large_negative(dtype: torch.dtype) -> float:
    # Keras's "minus infinity" for masks: finite, so fully masked rows stay uniform, not NaN.
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(batch, seq, heads, dim)`` tensors, via torch's SDPA.

    ``bias`` is added to the logits; boolean ``mask`` keeps the True positions
    (the others get a large negative logit); ``is_causal`` adds a lower-
    triangular mask; ``scale`` defaults to ``1 / sqrt(dim)``.  Key/value heads
    are repeated for grouped-query attention.  As in Keras, float64 inputs are
    computed in float32.  ``flash_attention=True`` runs torch's flash kernel
    and raises where torch cannot run it on these inputs.
    """
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "dot_product_attention: attn_logits_soft_cap is only supported by Keras's JAX backend "
            "on TPU; pass attn_logits_soft_cap=None.")
    q, k, v = _common_float(query, key, value)
    if q.dtype == torch.float64:  # Keras's result_type maps 64-bit types to 32-bit ones
        q, k, v = q.float(), k.float(), v.float()
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            "dot_product_attention: query, key and value must be 4-D (batch, seq, heads, dim), "
            f"got shapes {tuple(q.shape)}, {tuple(k.shape)} and {tuple(v.shape)}.")
    if bias is not None and mask is not None:
        raise ValueError("dot_product_attention: pass at most one of `bias` and `mask`, got both.")
    attn_mask = None
    if mask is not None:
        mask = convert_to_tensor(mask).to(device=q.device, dtype=torch.bool)
        if is_causal:
            causal = torch.ones(q.shape[1], k.shape[1], dtype=torch.bool, device=q.device).tril()
            mask, is_causal = mask & causal, False
        attn_mask = torch.where(mask, 0.0, _large_negative(q.dtype)).to(q.dtype)
    elif bias is not None:
        attn_mask = convert_to_tensor(bias).to(device=q.device, dtype=q.dtype)
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    if q.shape[1] > k.shape[1] > 1:
        groups = q.shape[1] // k.shape[1]
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    args = (q.contiguous(), k.contiguous(), v.contiguous())
    kwargs = {"attn_mask": attn_mask, "is_causal": is_causal, "scale": scale}
    if flash_attention:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        try:
            with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                out = F.scaled_dot_product_attention(*args, **kwargs)
        except RuntimeError as error:
            raise RuntimeError(
                "dot_product_attention: flash_attention=True but torch's flash attention kernel "
                f"cannot run these inputs (device {q.device}, dtype {q.dtype}, mask given: "
                f"{attn_mask is not None}). Pass flash_attention=None or False. ({error})"
            ) from None
    else:
        out = F.scaled_dot_product_attention(*args, **kwargs)
    return out.transpose(1, 2)


# --------------------------------------------------------------------------- misc


@keras_op
def polar(abs_, angle):
    """The complex tensor ``abs_ * (cos(angle) + i sin(angle))``."""
    abs_, angle = _common_float(abs_, angle)
    return torch.complex(abs_ * torch.cos(angle), abs_ * torch.sin(angle))


@keras_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)``, mse over all elements."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"psnr: x1 and x2 must have the same shape, got {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}.")
    x1, x2 = _common_float(x1, x2)
    max_val = convert_to_tensor(max_val).to(device=x1.device, dtype=x1.dtype)
    mse = torch.mean(torch.square(x1 - x2))
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)


@keras_op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: sliding blocks of a ``(N, C, H, W)`` tensor as ``(N, C * kH * kW, blocks)``."""
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(
            f"unfold: x must be a 4-D (N, C, H, W) tensor, got shape {tuple(x.shape)}.")
    return F.unfold(x, kernel_size, dilation=dilation, padding=padding, stride=stride)


@keras_op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the inverse layout of :func:`unfold`: ``(N, C * kH * kW, L)`` -> ``(N, C, oH, oW)``.

    Overlapping blocks are summed.
    """
    x = convert_to_tensor(x)
    if x.ndim != 3:
        raise ValueError(
            f"fold: x must be a 3-D (N, C * kH * kW, L) tensor, got shape {tuple(x.shape)}.")
    return F.fold(x, output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


def _check_block_layout(op, x, block_size, data_format):
    if x.ndim != 4:
        raise ValueError(f"{op}: x must be 4-D, got shape {tuple(x.shape)}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first', got "
            f"{data_format!r}.")
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"{op}: `block_size` must be a positive int, got {block_size!r}.")


@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size x block_size`` spatial tiles (TensorFlow's layout)."""
    x = convert_to_tensor(x)
    _check_block_layout("depth_to_space", x, block_size, data_format)
    b = block_size
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    if channels % (b * b):
        raise ValueError(
            f"depth_to_space: the {channels} channels must divide by block_size**2 = {b * b}.")
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    return F.pixel_shuffle(x, b)


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move ``block_size x block_size`` spatial tiles into channels (TensorFlow's layout)."""
    x = convert_to_tensor(x)
    _check_block_layout("space_to_depth", x, block_size, data_format)
    b = block_size
    spatial = x.shape[1:3] if data_format == "channels_last" else x.shape[2:]
    if spatial[0] % b or spatial[1] % b:
        raise ValueError(
            f"space_to_depth: the spatial sizes {tuple(spatial)} must divide by "
            f"block_size={b}.")
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    return F.pixel_unshuffle(x, b)

