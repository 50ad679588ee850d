"""Keras 3's top-level ops that live in neither ``numpy``, ``nn``, ``linalg`` nor ``image``.

Conversions and dtypes (``cast``, ``shape``, ``convert_to_numpy`` ...), control flow
(``cond``, ``while_loop``, ``scan`` ...), math (``logsumexp``, ``top_k``, ``segment_*``,
FFTs ...), indexing (``slice``, ``scatter`` ...) and ``rearrange``, each with Keras's
signature and the values and dtypes Keras 3 gives on its torch backend.

Control-flow ops accept nested structures (tuples, lists, dicts) of tensors; they run
eagerly as Python loops, as Keras's torch backend does.  FFT-family ops take and return
``(real, imag)`` pairs of float tensors.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
import re

import numpy as np
import torch
from torch.utils import _pytree as pytree

from keraton import backend
from keraton.layers.keras_tensor import KerasTensor
from keraton.ops._utils import convert_to_tensor as _to_tensor
from keraton.ops._utils import keras_op, standardize_dtype

__all__ = [
    "associative_scan", "cast", "cdist", "cond", "convert_to_numpy", "convert_to_tensor",
    "custom_gradient", "dtype", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2",
    "fori_loop", "ifft2", "in_top_k", "irfft", "is_tensor", "istft", "logdet", "logsumexp",
    "map", "rearrange", "rfft", "rsqrt", "saturate_cast", "scan", "scatter", "scatter_update",
    "segment_max", "segment_min", "segment_prod", "segment_sum", "shape", "slice",
    "slice_update", "stft", "stop_gradient", "switch", "top_k", "unstack", "vectorized_map",
    "view_as_complex", "view_as_real", "while_loop",
]


def _floatx() -> torch.dtype:
    return backend.standardize_dtype(None)


def _to_float(x: torch.Tensor) -> torch.Tensor:
    """Ints and bools become ``floatx()``; float tensors keep their dtype."""
    return x if x.is_floating_point() or x.is_complex() else x.to(_floatx())


# --------------------------------------------------------------------------------------
# Conversions and dtypes
# --------------------------------------------------------------------------------------


@keras_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a torch tensor, with Keras 3's default dtypes (``keras.ops.convert_to_tensor``).

    Python floats become ``floatx()``, ints int32, bools bool; NumPy arrays keep their
    dtype; ``dtype`` casts.  Only dense tensors exist here: ``sparse``/``ragged=True`` raise.
    """
    return _to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


def convert_to_numpy(x):
    """A NumPy array of ``x`` (detached, on CPU); a list or tuple of tensors is stacked.

    bfloat16 tensors give ``ml_dtypes.bfloat16`` arrays, as in Keras.
    """
    if isinstance(x, KerasTensor):
        raise ValueError(
            "convert_to_numpy: a symbolic KerasTensor has no value. Build a Model from it and "
            "call model.predict(...) to get NumPy values.")
    if isinstance(x, (list, tuple)):
        return np.array([convert_to_numpy(v) for v in x])
    if not isinstance(x, torch.Tensor):
        return np.array(x)
    x = x.detach().cpu()
    if x.dtype == torch.bfloat16:
        import ml_dtypes

        return x.to(torch.float32).numpy().astype(ml_dtypes.bfloat16)
    return x.numpy()


def is_tensor(x):
    """Whether ``x`` is a torch tensor (NumPy arrays and symbolic tensors are not)."""
    return isinstance(x, torch.Tensor)


def shape(x):
    """The shape of ``x`` as a tuple of Python ints (``None`` for unknown symbolic dims)."""
    if isinstance(x, (torch.Tensor, KerasTensor, np.ndarray, np.generic)):
        return tuple(x.shape)
    return tuple(_to_tensor(x).shape)


def dtype(x):
    """The dtype name of a tensor, array or symbolic tensor, e.g. ``'float32'``."""
    if not hasattr(x, "dtype"):
        raise TypeError(
            f"dtype: expected a tensor or array with a `dtype`, got {type(x).__name__}. "
            "Convert it first with keras.ops.convert_to_tensor.")
    return backend.dtype_name(backend.standardize_dtype(x.dtype))


@keras_op
def cast(x, dtype):
    """``x`` as a tensor of ``dtype`` (floats to ints truncate toward zero, as in torch);
    ``dtype=None`` means ``floatx()``, as in Keras."""
    torch_dtype = standardize_dtype(dtype) or _floatx()
    if isinstance(x, torch.Tensor):
        return x if x.dtype == torch_dtype else x.to(torch_dtype)
    return _to_tensor(x, dtype=torch_dtype)


def _dtype_range(dt: torch.dtype):
    if dt == torch.bool:
        return 0, 1
    info = torch.finfo(dt) if dt.is_floating_point else torch.iinfo(dt)
    return info.min, info.max


@keras_op
def saturate_cast(x, dtype):
    """Cast ``x`` to ``dtype`` after clipping it to the range of both dtypes (no wrap-around).

    Infinities are clipped to the largest finite value too, as in Keras.
    """
    x = _to_tensor(x)
    out_dtype = standardize_dtype(dtype) or _floatx()
    if x.dtype == torch.bool:
        return x.to(out_dtype)
    in_min, in_max = _dtype_range(x.dtype)
    out_min, out_max = _dtype_range(out_dtype)
    low = torch.tensor(builtins.max(in_min, out_min), dtype=x.dtype)
    high = torch.tensor(builtins.min(in_max, out_max), dtype=x.dtype)
    # The limits may round outward when stored in x's dtype (2**31 - 1 in float32 is 2**31):
    # step them back inside the output range.
    if x.dtype.is_floating_point:
        if float(low) < out_min:
            low = torch.nextafter(low, torch.zeros_like(low))
        if float(high) > out_max:
            high = torch.nextafter(high, torch.zeros_like(high))
    return torch.clamp(x, low, high).to(out_dtype)


@keras_op
def stop_gradient(variable):
    """``variable`` cut out of the autograd graph (values unchanged, no gradient flows back)."""
    return _to_tensor(variable).detach()


# --------------------------------------------------------------------------------------
# Control flow
# --------------------------------------------------------------------------------------


def _tensor_leaves(tree):
    """``tree`` with every leaf made a tensor (``None`` stays ``None``)."""
    return pytree.tree_map(lambda v: v if v is None else _to_tensor(v), tree)


@keras_op
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` is true, else ``false_fn()`` (evaluated eagerly)."""
    return true_fn() if bool(pred) else false_fn()


@keras_op
def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped into ``[0, len(branches) - 1]``."""
    if not branches:
        raise ValueError("switch: `branches` must hold at least one callable, got none.")
    index = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[index](*operands)


@keras_op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds.

    A tuple or list of loop variables (nested structures allowed) comes back as a tuple;
    a single variable comes back alone.  ``maximum_iterations`` caps the number of steps.
    """
    is_sequence = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(_tensor_leaves(tuple(loop_vars) if is_sequence else (loop_vars,)))
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*loop_vars)):
        loop_vars = body(*loop_vars)
        loop_vars = tuple(loop_vars) if isinstance(loop_vars, (tuple, list)) else (loop_vars,)
        steps += 1
    return loop_vars if is_sequence else loop_vars[0]


@keras_op
def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``, starting from ``init_val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _stack_leaves(items):
    """Stack a list of equally structured outputs leaf by leaf along a new axis 0."""
    flats, spec = zip(*(pytree.tree_flatten(item) for item in items))
    stacked = [torch.stack([_to_tensor(v) for v in leaves]) for leaves in zip(*flats)]
    return pytree.tree_unflatten(stacked, spec[0])


@keras_op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs`` (as ``jax.lax.scan``).

    Returns ``(final_carry, stacked_ys)``; ``init``, ``xs`` and ``y`` may be nested
    structures.  Without ``xs``, ``f`` gets ``None`` for ``length`` steps.  ``reverse``
    scans from the end (the stacked ``ys`` stay in input order); ``unroll`` is accepted
    for compatibility (the loop runs eagerly either way).  If ``f`` returns ``None`` for
    ``y``, ``stacked_ys`` is ``None``.
    """
    if not callable(f):
        raise TypeError(f"scan: `f` must be a callable, got {f!r}.")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: `unroll` must be a positive int or a bool, got {unroll!r}.")
    if xs is None and length is None:
        raise ValueError("scan: pass `xs` to scan over, or `length` when there is no `xs`.")
    if xs is not None:
        xs_leaves, xs_spec = pytree.tree_flatten(xs)
        xs_leaves = [_to_tensor(v) for v in xs_leaves]
        n = int(length) if length is not None else xs_leaves[0].shape[0]
    else:
        n = int(length)
    carry = _tensor_leaves(init)
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else pytree.tree_unflatten([v[i] for v in xs_leaves], xs_spec)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or all(y is None for y in ys):
        return carry, None
    return carry, _stack_leaves(ys)


@keras_op
def map(f, xs):
    """``f`` applied to each slice along the leading axis of ``xs``, results stacked."""
    return scan(lambda carry, x: (carry, f(x)), (), xs)[1]


@keras_op
def vectorized_map(function, elements):
    """``function`` mapped over the leading axis of ``elements`` with ``torch.vmap``."""
    return torch.vmap(function)(_tensor_leaves(elements))


def _take(x, start, stop, step, axis):
    index = [builtins.slice(None)] * x.ndim
    index[axis] = builtins.slice(start, stop, step)
    return x[tuple(index)]


@keras_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix scan of ``elems`` along ``axis`` with associative ``f`` (``jax.lax``'s).

    ``f(a, b)`` combines two equally structured blocks of slices; it is applied in
    ``O(log n)`` parallel steps (odd/even recursion).  ``elems`` may be a nested structure.
    """
    if not callable(f):
        raise TypeError(f"associative_scan: `f` must be a callable, got {f!r}.")
    leaves, spec = pytree.tree_flatten(elems)
    leaves = [_to_tensor(v) for v in leaves]
    axis = axis % leaves[0].ndim
    sizes = {v.shape[axis] for v in leaves}
    if len(sizes) != 1:
        raise ValueError(
            "associative_scan: every input must have the same length along `axis`; got shapes "
            f"{[tuple(v.shape) for v in leaves]}.")
    if reverse:
        leaves = [torch.flip(v, (axis,)) for v in leaves]

    def combine(a, b):
        out = f(pytree.tree_unflatten(a, spec), pytree.tree_unflatten(b, spec))
        return [_to_tensor(v) for v in pytree.tree_flatten(out)[0]]

    def interleave(even, odd):
        # even[k] goes to position 2k, odd[k] to 2k + 1.
        n_even, n_odd = even.shape[axis], odd.shape[axis]
        order = [k // 2 if k % 2 == 0 else n_even + k // 2 for k in range(n_even + n_odd)]
        joined = torch.cat([even, odd], dim=axis)
        return joined.index_select(axis, torch.tensor(order, device=joined.device))

    def prefix(vals):
        n = vals[0].shape[axis]
        if n < 2:
            return vals
        # Scan the pairwise combinations: they are the prefixes at the odd positions.
        odd = prefix(combine([_take(v, 0, n - 1, 2, axis) for v in vals],
                             [_take(v, 1, None, 2, axis) for v in vals]))
        prev = odd if n % 2 else [_take(v, 0, -1, None, axis) for v in odd]
        even = combine(prev, [_take(v, 2, None, 2, axis) for v in vals])
        even = [torch.cat([_take(v, 0, 1, None, axis), e], dim=axis) for v, e in zip(vals, even)]
        return [interleave(e, o) for e, o in zip(even, odd)]

    result = prefix(leaves)
    if reverse:
        result = [torch.flip(v, (axis,)) for v in result]
    return pytree.tree_unflatten(result, spec)


class _CustomGradientFunction(torch.autograd.Function):
    """Runs ``forward_fn`` and, on backward, the ``grad_fn`` it returned."""

    @staticmethod
    def forward(ctx, forward_fn, *args):
        result = forward_fn(*args)
        if not (isinstance(result, tuple) and len(result) == 2 and callable(result[1])):
            raise TypeError("custom_gradient: the decorated function must return "
                            "(output, grad_fn), with grad_fn a callable.")
        output, ctx.grad_fn = result
        ctx.inputs = args
        ctx.is_tensor = [isinstance(a, torch.Tensor) for a in args]
        ctx.multiple = isinstance(output, (tuple, list))
        return tuple(output) if ctx.multiple else output

    @staticmethod
    def backward(ctx, *upstream):
        upstream = upstream if ctx.multiple else upstream[0]
        grads = _call_grad_fn(ctx.grad_fn, ctx.inputs, upstream)
        grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
        n_tensors = sum(ctx.is_tensor)
        if len(grads) == n_tensors and n_tensors != len(ctx.inputs):
            # Gradients given for the tensor inputs only: put None at the other positions.
            it = iter(grads)
            grads = [next(it) if is_t else None for is_t in ctx.is_tensor]
        if len(grads) != len(ctx.inputs):
            raise ValueError(
                f"custom_gradient: grad_fn returned {len(grads)} gradient(s) for "
                f"{len(ctx.inputs)} input(s). Return one gradient per positional input.")
        return (None, *grads)


def _call_grad_fn(grad_fn, inputs, upstream):
    """Call ``grad_fn`` as ``grad_fn(*inputs, upstream=...)`` (Keras's torch convention), or as
    ``grad_fn(upstream)`` when it takes exactly one positional argument per output and no
    ``*args`` (the TensorFlow/JAX convention)."""
    params = inspect.signature(grad_fn).parameters.values()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    upstreams = upstream if isinstance(upstream, tuple) else (upstream,)
    if not varargs and len(positional) == len(upstreams):
        return grad_fn(*upstreams)
    return grad_fn(*inputs, upstream=upstream)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; the result computes ``output``
    and back-propagates ``grad_fn``'s gradients instead of autograd's.

    As on Keras's torch backend, ``grad_fn`` is called as ``grad_fn(*args, upstream=g)``
    (write it as ``def grad(*args, upstream=None)``); a ``grad_fn(upstream)`` without an
    ``upstream`` keyword, as written for TensorFlow/JAX, also works.  It returns one
    gradient per positional argument of ``f``.
    """
    def wrapper(*args, **kwargs):
        forward = (lambda *a: f(*a, **kwargs)) if kwargs else f
        args = [_to_tensor(a) if isinstance(a, (float, int, np.ndarray)) else a for a in args]
        return _CustomGradientFunction.apply(forward, *args)

    functools.update_wrapper(wrapper, f)
    return keras_op(wrapper)


# --------------------------------------------------------------------------------------
# Math
# --------------------------------------------------------------------------------------


@keras_op
def erf(x):
    """The error function of ``x``; ints and bools give float32."""
    return torch.erf(_to_tensor(x))


@keras_op
def erfc(x):
    """The complementary error function ``1 - erf(x)``; ints and bools give float32."""
    return torch.erfc(_to_tensor(x))


@keras_op
def erfinv(x):
    """The inverse error function of ``x``; ints and bools give float32."""
    return torch.erfinv(_to_tensor(x))


@keras_op
def rsqrt(x):
    """``1 / sqrt(x)``; ints and bools give float32."""
    return torch.rsqrt(_to_tensor(x))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))`` computed stably; ints and bools give float32."""
    x = _to_tensor(x)
    dims = tuple(range(x.ndim)) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@keras_op
def logdet(x):
    """``log(det(x))`` of the (batched) square matrices in the last two axes of ``x``."""
    x = _to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"logdet: expected a float tensor, got dtype {backend.dtype_name(x.dtype)}."
                        " Cast it first, e.g. keras.ops.cast(x, 'float32').")
    return torch.logdet(x)


@keras_op
def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their int64 indices, as
    ``(values, indices)`` (torch's named tuple); ``sorted=True`` orders them descending."""
    x = _to_tensor(x)
    size = x.shape[-1] if x.ndim else 1
    if not 0 <= int(k) <= size:
        raise ValueError(f"top_k: `k` must be between 0 and the last axis size {size}, got {k}.")
    return torch.topk(x, int(k), sorted=sorted)


@keras_op
def in_top_k(targets, predictions, k):
    """For each row, whether ``predictions[row, targets[row]]`` is among the ``k`` largest
    values of the row (ties with the ``k``-th value count as in).  Returns bools."""
    targets = _to_tensor(targets).to(torch.int64)
    predictions = _to_tensor(predictions)
    target_values = torch.take_along_dim(predictions, targets[:, None], dim=-1)
    kth_value = torch.topk(predictions, int(k), dim=-1).values[:, -1:]
    return (target_values >= kth_value)[:, 0]


@keras_op
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` (..., P, M) and ``y`` (..., R, M),
    shape (..., P, R) with broadcast batch axes; ints give float32."""
    x, y = _to_tensor(x), _to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"cdist: both inputs need rank >= 2, got shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}.")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist: the last axes must match, got shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}.")
    out_dtype = torch.promote_types(x.dtype, y.dtype)
    out_dtype = out_dtype if out_dtype.is_floating_point else _floatx()
    diff = x.to(out_dtype).unsqueeze(-2) - y.to(out_dtype).unsqueeze(-3)
    return torch.sqrt(torch.sum(diff * diff, dim=-1))


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis:
    shape ``(..., num_frames, sequence_length)``."""
    x = _to_tensor(x)
    if x.ndim < 1 or x.shape[-1] < sequence_length:
        raise ValueError(f"extract_sequences: `x` needs a last axis of at least sequence_length="
                         f"{sequence_length} samples, got shape {tuple(x.shape)}.")
    return torch.unfold_copy(x, -1, int(sequence_length), int(sequence_stride))


def _segment_reduce(data, segment_ids, num_segments, how):
    data, segment_ids = _to_tensor(data), _to_tensor(segment_ids)
    if segment_ids.ndim != 1:
        raise ValueError(
            f"segment ops: `segment_ids` must be 1-D, got shape {tuple(segment_ids.shape)}. "
            "Flatten it (and the leading axes of `data` to match) first.")
    if data.ndim == 0 or data.shape[0] != segment_ids.shape[0]:
        raise ValueError(
            "segment ops: `data` and `segment_ids` must have the same leading dimension, got "
            f"{tuple(data.shape)} and {tuple(segment_ids.shape)}.")
    ids = segment_ids.to(torch.int64)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.numel() else 0
    num_segments = int(num_segments)
    # Ids outside [0, num_segments) go to an extra trash row that is dropped at the end.
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    work = data.to(torch.int64) if data.dtype == torch.bool else data
    if how == "sum":
        fill = 0
    elif how == "prod":
        fill = 1
    else:
        low, high = _dtype_range(work.dtype)
        if work.is_floating_point():
            low, high = -math.inf, math.inf
        fill = low if how == "amax" else high
    out = torch.full((num_segments + 1, *data.shape[1:]), fill, dtype=work.dtype,
                     device=data.device)
    index = ids.reshape(-1, *[1] * (data.ndim - 1)).expand_as(work)
    out = out.scatter_reduce(0, index, work, how, include_self=True)
    return out[:num_segments].to(data.dtype)


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of ``data`` sharing a segment id; empty segments give 0 and ids
    outside ``[0, num_segments)`` are dropped.  ``sorted`` is a hint only."""
    return _segment_reduce(data, segment_ids, num_segments, "sum")


@keras_op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of ``data`` sharing a segment id (empty segments give 1)."""
    return _segment_reduce(data, segment_ids, num_segments, "prod")


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of ``data`` sharing a segment id (empty segments give -inf,
    or the dtype's minimum for ints)."""
    return _segment_reduce(data, segment_ids, num_segments, "amax")


@keras_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of ``data`` sharing a segment id (empty segments give +inf,
    or the dtype's maximum for ints)."""
    return _segment_reduce(data, segment_ids, num_segments, "amin")


# --------------------------------------------------------------------------------------
# Fourier transforms: (real, imag) pairs in and out
# --------------------------------------------------------------------------------------


def _complex_from_pair(x, op):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: `x` must be a (real, imag) pair of float tensors, got {x!r}.")
    real, imag = _to_tensor(x[0]), _to_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape, got "
                         f"{tuple(real.shape)} and {tuple(imag.shape)}.")
    if not (real.is_floating_point() and imag.is_floating_point()):
        raise ValueError(
            f"{op}: the real and imaginary parts must be float tensors, got dtypes "
            f"{backend.dtype_name(real.dtype)} and {backend.dtype_name(imag.dtype)}.")
    common = torch.promote_types(real.dtype, imag.dtype)
    return torch.complex(real.to(common), imag.to(common))


def _check_rank(x, rank, op):
    if x.ndim < rank:
        raise ValueError(f"{op}: the input needs rank >= {rank}, got shape {tuple(x.shape)}.")


@keras_op
def fft(x):
    """1-D FFT along the last axis of the complex tensor given as ``(real, imag)``."""
    z = _complex_from_pair(x, "fft")
    _check_rank(z, 1, "fft")
    z = torch.fft.fft(z)
    return z.real, z.imag


@keras_op
def fft2(x):
    """2-D FFT over the last two axes of the complex tensor given as ``(real, imag)``."""
    z = _complex_from_pair(x, "fft2")
    _check_rank(z, 2, "fft2")
    z = torch.fft.fft2(z)
    return z.real, z.imag


@keras_op
def ifft2(x):
    """Inverse 2-D FFT over the last two axes of ``(real, imag)``."""
    z = _complex_from_pair(x, "ifft2")
    _check_rank(z, 2, "ifft2")
    z = torch.fft.ifft2(z)
    return z.real, z.imag


@keras_op
def rfft(x, fft_length=None):
    """FFT of the real signal ``x`` along its last axis (``fft_length // 2 + 1`` bins),
    as ``(real, imag)``; ``fft_length`` crops or zero-pads the signal."""
    x = _to_tensor(x)
    _check_rank(x, 1, "rfft")
    z = torch.fft.rfft(_to_float(x), n=fft_length, dim=-1)
    return z.real, z.imag


@keras_op
def irfft(x, fft_length=None):
    """Inverse of :func:`rfft`: a real signal of ``fft_length`` samples (default
    ``2 * (bins - 1)``) from ``(real, imag)`` bins along the last axis."""
    z = _complex_from_pair(x, "irfft")
    _check_rank(z, 1, "irfft")
    return torch.fft.irfft(z, n=fft_length, dim=-1)


def _stft_window(window, sequence_length, dtype, device):
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"A string `window` must be 'hann' or 'hamming', got {window!r}.")
        make = torch.hann_window if window == "hann" else torch.hamming_window
        return make(sequence_length, periodic=True, dtype=dtype, device=device)
    win = _to_tensor(window).to(dtype)
    if win.shape != (sequence_length,):
        raise ValueError(f"`window` must have shape ({sequence_length},) (sequence_length), "
                         f"got {tuple(win.shape)}.")
    return win


def _check_stride(sequence_stride):
    if not isinstance(sequence_stride, int) or sequence_stride <= 0:
        raise ValueError(
            f"`sequence_stride` must be a positive integer, got {sequence_stride!r}.")


@keras_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis of the float32/float64 signal ``x``.

    Returns ``(real, imag)`` of shape ``(..., num_frames, fft_length // 2 + 1)``; with
    ``center`` the signal is reflect-padded by ``fft_length // 2`` on both sides.
    ``window`` is ``"hann"``, ``"hamming"``, ``None`` or an array of ``sequence_length``.
    """
    _check_stride(sequence_stride)
    x = _to_tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"stft: `x` must be float32 or float64, got "
                        f"{backend.dtype_name(x.dtype)}. Cast it first.")
    if fft_length < sequence_length:
        raise ValueError(f"stft: `fft_length` ({fft_length}) must be >= `sequence_length` "
                         f"({sequence_length}).")
    win = _stft_window(window, sequence_length, x.dtype, x.device)
    if win is None:
        win = torch.ones(sequence_length, dtype=x.dtype, device=x.device)
    batch_shape = x.shape[:-1]
    z = torch.stft(x.reshape(-1, x.shape[-1]), n_fft=fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=center, return_complex=True)
    z = z.reshape(*batch_shape, *z.shape[-2:]).transpose(-2, -1)
    return z.real, z.imag


def _overlap_add(frames, stride):
    """Sum frames (B, N, L) placed every ``stride`` samples: (B, (N - 1) * stride + L)."""
    _, n, length = frames.shape
    out_len = (n - 1) * stride + length
    folded = torch.nn.functional.fold(frames.transpose(1, 2), output_size=(1, out_len),
                                      kernel_size=(1, length), stride=(1, stride))
    return folded.reshape(frames.shape[0], out_len)


@keras_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse short-time Fourier transform of ``(real, imag)`` frames (the inverse of
    :func:`stft`): windowed overlap-add, normalised as Keras does; ``length`` trims or pads
    the output signal."""
    _check_stride(sequence_stride)
    z = _complex_from_pair(x, "istft")
    _check_rank(z, 2, "istft")
    real_dtype = z.real.dtype
    win = _stft_window(window, sequence_length, real_dtype, z.device)
    batch_shape = z.shape[:-2]
    if sequence_length == fft_length and center and win is not None:
        signal = torch.istft(z.reshape(-1, *z.shape[-2:]).transpose(-2, -1), n_fft=fft_length,
                             hop_length=sequence_stride, win_length=sequence_length,
                             window=win, center=True, length=length, return_complex=False)
        return signal.reshape(*batch_shape, signal.shape[-1])
    frames = torch.fft.irfft(z, n=fft_length, dim=-1)
    if win is not None:
        # Centre the window in fft_length, then divide it by the sum of the squared windows
        # that overlap each sample position (TensorFlow's inverse_stft_window_fn rule).
        left = (fft_length - sequence_length) // 2
        win = torch.nn.functional.pad(win, (left, fft_length - sequence_length - left))
        periods = -(-fft_length // sequence_stride)
        squares = torch.nn.functional.pad(win * win, (0, periods * sequence_stride - fft_length))
        denom = squares.reshape(periods, sequence_stride).sum(0).repeat(periods)[:fft_length]
        frames = frames * (win / denom)
    num_frames = frames.shape[-2]
    signal = _overlap_add(frames.reshape(-1, num_frames, fft_length), sequence_stride)
    signal = signal.reshape(*batch_shape, signal.shape[-1])
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = signal.shape[-1] - fft_length // 2
    else:
        end = signal.shape[-1]
    return signal[..., start:end]


@keras_op
def view_as_complex(x):
    """A complex64 tensor from a real tensor whose last axis (size 2) holds (real, imag)."""
    x = _to_tensor(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError("view_as_complex: the last axis must have size 2 (real, imag), got "
                         f"shape {tuple(x.shape)}.")
    return torch.complex(x[..., 0].to(torch.float32), x[..., 1].to(torch.float32))


@keras_op
def view_as_real(x):
    """A real tensor of shape ``x.shape + (2,)`` holding the real and imaginary parts."""
    x = _to_tensor(x)
    if not x.is_complex():
        raise ValueError(f"view_as_real: expected a complex tensor, got dtype "
                         f"{backend.dtype_name(x.dtype)}.")
    return torch.stack([x.real, x.imag], dim=-1)


# --------------------------------------------------------------------------------------
# Indexing and structure
# --------------------------------------------------------------------------------------


def _int_list(values, name):
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    elif isinstance(values, np.ndarray):
        values = values.tolist()
    try:
        return [int(v) for v in values]
    except TypeError:
        raise TypeError(f"`{name}` must be a sequence of ints, got {values!r}.") from None


@keras_op
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` starting at ``start_indices`` with size ``shape`` (one entry
    per axis; a size of -1 takes the rest of that axis)."""
    inputs = _to_tensor(inputs)
    starts, sizes = _int_list(start_indices, "start_indices"), _int_list(shape, "shape")
    if not len(starts) == len(sizes) == inputs.ndim:
        raise ValueError(
            f"slice: `start_indices` ({starts}) and `shape` ({sizes}) need one entry per axis "
            f"of `inputs` (shape {tuple(inputs.shape)}).")
    index = tuple(builtins.slice(s, None if n == -1 else s + n) for s, n in zip(starts, sizes))
    return inputs[index]


@keras_op
def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``
    (cast to ``inputs``'s dtype)."""
    inputs, updates = _to_tensor(inputs), _to_tensor(updates)
    starts = _int_list(start_indices, "start_indices")
    if not len(starts) == updates.ndim == inputs.ndim:
        raise ValueError(
            f"slice_update: `start_indices` ({starts}) and `updates` (shape "
            f"{tuple(updates.shape)}) need one entry/axis per axis of `inputs` "
            f"(shape {tuple(inputs.shape)}).")
    index = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
    out = inputs.clone()
    out[index] = updates.to(inputs.dtype)
    return out


@keras_op
def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (duplicates add up).

    ``indices`` has shape ``(..., k)``; ``values`` has shape ``(...,) + shape[k:]`` and
    gives the output dtype.
    """
    indices, values = _to_tensor(indices).to(torch.int64), _to_tensor(values)
    shape = tuple(_int_list(shape, "shape"))
    k = indices.shape[-1]
    indices = indices.reshape(-1, k)
    values = values.reshape(-1, *shape[k:])
    zeros = torch.zeros(shape, dtype=values.dtype, device=values.device)
    return torch.index_put(zeros, tuple(indices.T), values, accumulate=True)


_SCATTER_REDUCTIONS = {"max": "amax", "min": "amin", "mul": "prod"}


@keras_op
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of ``inputs`` with ``updates`` written at ``indices`` (shape ``(N, k)``).

    ``reduction`` None replaces; ``"add"``, ``"max"``, ``"min"``, ``"mul"`` combine with the
    current values (duplicate indices accumulate).  ``updates`` is cast to ``inputs``'s dtype.
    """
    if reduction is not None:
        reduction = reduction.lower()
        if reduction not in ("add", "max", "min", "mul"):
            raise ValueError(f"scatter_update: `reduction` must be None, 'add', 'max', 'min' or "
                             f"'mul', got {reduction!r}.")
    inputs = _to_tensor(inputs)
    indices = _to_tensor(indices).to(torch.int64)
    updates = _to_tensor(updates).to(inputs.dtype)
    if reduction is None or reduction == "add":
        return torch.index_put(inputs, tuple(indices.T), updates, accumulate=reduction == "add")
    # Flatten the k indexed axes into one and reduce along it.
    k = indices.shape[-1]
    lead, rest = inputs.shape[:k], inputs.shape[k:]
    strides = torch.tensor([math.prod(lead[i + 1:]) for i in range(k)], dtype=torch.int64)
    updates = updates.reshape(-1, *rest)
    flat_index = (indices * strides).sum(-1).reshape(-1, *[1] * len(rest)).expand_as(updates)
    flat = inputs.reshape(-1, *rest).scatter_reduce(
        0, flat_index, updates, _SCATTER_REDUCTIONS[reduction], include_self=True)
    return flat.reshape(inputs.shape)


@keras_op
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list of tensors."""
    x = _to_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"unstack: `num` ({num}) does not match the size of axis {axis} "
                         f"({x.shape[axis]}) of `x`.")
    return list(x.unbind(axis))


_AXIS_TOKEN = re.compile(r"\(([^()]*)\)|([A-Za-z_]\w*)|(\S+)")


def _parse_axes(side: str, pattern: str):
    """``'b (h w) c'`` -> ``[['b'], ['h', 'w'], ['c']]``."""
    groups = []
    for grouped, name, bad in _AXIS_TOKEN.findall(side):
        if bad:
            raise ValueError(f"rearrange: unsupported token {bad!r} in pattern {pattern!r}; "
                             "only axis names and parenthesised groups of names are supported.")
        names = grouped.split() if grouped or not name else [name]
        for n in names:
            if not re.fullmatch(r"[A-Za-z_]\w*", n):
                raise ValueError(f"rearrange: invalid axis name {n!r} in pattern {pattern!r}.")
        groups.append(names)
    return groups


@keras_op
def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split axes with an einops pattern such as ``'b (h h1) w -> b h (w h1)'``.

    Parenthesised groups on the left split an axis (at most one length per group may be
    unknown; give the others as keyword arguments), groups on the right merge axes.
    """
    tensor = _to_tensor(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern needs exactly one '->', got {pattern!r}.")
    left, right = (_parse_axes(side, pattern) for side in pattern.split("->"))
    if len(left) != tensor.ndim:
        raise ValueError(f"rearrange: the left side of {pattern!r} names {len(left)} axes but the "
                         f"tensor has shape {tuple(tensor.shape)}.")
    in_names = [n for group in left for n in group]
    out_names = [n for group in right for n in group]
    if len(set(in_names)) != len(in_names) or sorted(in_names) != sorted(out_names):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes, each "
                         "once.")
    sizes = {}
    for group, dim in zip(left, tensor.shape):
        unknown = [n for n in group if n not in axes_lengths]
        known = math.prod(int(axes_lengths[n]) for n in group if n in axes_lengths)
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the lengths of {unknown} in {pattern!r}; "
                             "pass all but one of them as keyword arguments.")
        if (dim % known != 0) if unknown else (dim != known):
            raise ValueError(f"rearrange: axis of size {dim} cannot be split as {group} with "
                             f"lengths {axes_lengths}.")
        for n in group:
            sizes[n] = int(axes_lengths[n]) if n in axes_lengths else dim // known
    tensor = tensor.reshape([sizes[n] for n in in_names])
    tensor = tensor.permute([in_names.index(n) for n in out_names])
    return tensor.reshape([math.prod(sizes[n] for n in group) for group in right])
