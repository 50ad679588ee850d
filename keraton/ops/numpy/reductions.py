"""Reductions, scans and statistics of ``keras.ops`` (``keras.ops.numpy``), on torch.

``axis`` is ``None`` (every axis), an int, or a tuple/list of ints; an empty
tuple/list reduces nothing (as NumPy).  ``keepdims=True`` keeps reduced axes
with length 1, also with ``axis=None``.  Result dtypes follow Keras 3 on its
torch backend (e.g. ``sum`` of bool/int8/int16/uint8 is int32, ``mean`` and
``var`` of integers are float32, ``argmax`` is int32).
"""

from __future__ import annotations

import builtins
import math

import torch

from keraton import backend
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype
from keraton.ops.numpy.elementwise import _floatx, _is_int_or_bool, _result_type
from keraton.utils.dtype_utils import bool_as_uint8

__all__ = [
    "all", "any", "amax", "amin", "argmax", "argmin", "average", "bincount", "corrcoef",
    "count_nonzero", "cumprod", "cumsum", "histogram", "max", "mean", "median", "min",
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
    "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
    "percentile", "prod", "ptp", "quantile", "std", "sum", "trapezoid", "var",
]

_SMALL_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16)  # summed/multiplied as int32


def _no_axes(axis) -> bool:
    """``axis=()`` or ``[]``: NumPy reduces over nothing."""
    return isinstance(axis, (tuple, list)) and len(axis) == 0


def _dims(x: torch.Tensor, axis) -> tuple:
    """``axis`` as a tuple of non-negative dims of ``x`` (``None``: all of them)."""
    if axis is None:
        return tuple(range(x.ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    ndim = builtins.max(x.ndim, 1)
    dims = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {x.ndim} "
                             f"(shape {tuple(x.shape)}); use an axis in [{-ndim}, {ndim}).")
        dims.append(a % ndim)
    if len(set(dims)) != len(dims):
        raise ValueError(f"axis {axis} repeats an axis; give each axis once.")
    return tuple(dims) if x.ndim else ()


def _float_dtypes(x: torch.Tensor):
    """(compute dtype, result dtype) of Keras's float statistics (``var``, ``quantile``...).

    The result dtype is Keras's float promotion of ``x``; half floats are computed in
    float32, and float64 inputs in float64 even where Keras narrows the result to float32.
    """
    result = _result_type(x.dtype, float)
    if x.dtype == torch.float64:
        return torch.float64, result
    return (torch.float32 if result in (torch.float16, torch.bfloat16) else result), result


# ---------------------------------------------------------------------------
# Sums, products, extrema, logic.
# ---------------------------------------------------------------------------

@keras_op
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis``; bool/int8/int16/uint8 give int32, other dtypes are kept (Keras)."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    dtype = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    return torch.sum(x, dim=_dims(x, axis), keepdim=keepdims).to(dtype)


@keras_op
def nansum(x, axis=None, keepdims=False):
    """Sum over ``axis`` treating NaN as 0; dtypes as :func:`sum`."""
    x = convert_to_tensor(x)
    dtype = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    if not x.dtype.is_floating_point:
        return sum(x, axis, keepdims).to(dtype)
    x = torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype), x)
    return sum(x, axis, keepdims)


def _prod_dtype(x: torch.Tensor, dtype) -> torch.dtype:
    if dtype is not None:
        return standardize_dtype(dtype)
    return torch.int32 if x.dtype in _SMALL_INTS else _result_type(x.dtype)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``; ``dtype`` defaults to Keras's (small ints and bool give int32,
    64-bit inputs 32-bit results)."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    dtype = _prod_dtype(x, dtype)
    compute = torch.float32 if dtype == torch.float16 else dtype
    x = x.to(compute)
    for d in sorted(_dims(x, axis), reverse=True):  # torch.prod takes one dim at a time
        x = torch.prod(x, dim=d, keepdim=keepdims)
    return x.to(dtype)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    """Product over ``axis`` treating NaN as 1; dtypes as :func:`prod`."""
    x = convert_to_tensor(x)
    if x.dtype.is_floating_point:
        x = torch.where(torch.isnan(x), torch.ones((), dtype=x.dtype), x)
    return prod(x, axis, keepdims)


def _extremum(x, axis, keepdims, initial, torch_reduce, torch_pair, name):
    x = convert_to_tensor(x)
    if _no_axes(axis):
        result = x
    elif x.numel() == 0:
        # NumPy's rule: an empty reduction needs `initial`, which fills the result.
        dims = _dims(x, axis)
        shape = [1 if d in dims else n for d, n in enumerate(x.shape)] if keepdims else \
            [n for d, n in enumerate(x.shape) if d not in dims]
        if initial is None and math.prod(shape) > 0:
            raise ValueError(f"Cannot compute the {name} of an empty tensor (shape "
                             f"{tuple(x.shape)}) over axis={axis} without `initial`; "
                             "pass `initial=` the value to use.")
        return torch.full(shape, 0 if initial is None else initial, dtype=x.dtype)
    else:
        result = torch_reduce(x, dim=_dims(x, axis), keepdim=keepdims)
    if initial is not None:
        result = torch_pair(result, torch.tensor(initial, dtype=result.dtype))
    return result


@keras_op
def max(x, axis=None, keepdims=False, initial=None):
    """Largest value over ``axis``, at least ``initial`` when given (needed for empty inputs)."""
    return _extremum(x, axis, keepdims, initial, torch.amax, torch.maximum, "max")


@keras_op
def min(x, axis=None, keepdims=False, initial=None):
    """Smallest value over ``axis``, at most ``initial`` when given (needed for empty inputs)."""
    return _extremum(x, axis, keepdims, initial, torch.amin, torch.minimum, "min")


@keras_op
def amax(x, axis=None, keepdims=False):
    """Largest value over ``axis``, in the dtype of ``x`` (as :func:`max`)."""
    return _extremum(x, axis, keepdims, None, torch.amax, torch.maximum, "max")


@keras_op
def amin(x, axis=None, keepdims=False):
    """Smallest value over ``axis``, in the dtype of ``x`` (as :func:`min`)."""
    return _extremum(x, axis, keepdims, None, torch.amin, torch.minimum, "min")


def _nan_extremum(x, axis, keepdims, reduce_fn, fill):
    x = convert_to_tensor(x)
    if _no_axes(axis) or not x.dtype.is_floating_point:
        return reduce_fn(x, axis=axis, keepdims=keepdims)
    nan = torch.isnan(x)
    dims = _dims(x, axis)
    out = reduce_fn(torch.where(nan, torch.tensor(fill, dtype=x.dtype), x), dims, keepdims)
    # All-NaN slices give NaN, as NumPy (which also warns).
    all_nan = torch.all(nan, dim=dims, keepdim=keepdims) if dims else nan
    return torch.where(all_nan, torch.tensor(float("nan"), dtype=x.dtype), out)


@keras_op
def nanmax(x, axis=None, keepdims=False):
    """Largest value over ``axis`` ignoring NaN; NaN where a slice is all NaN."""
    return _nan_extremum(x, axis, keepdims, amax, float("-inf"))


@keras_op
def nanmin(x, axis=None, keepdims=False):
    """Smallest value over ``axis`` ignoring NaN; NaN where a slice is all NaN."""
    return _nan_extremum(x, axis, keepdims, amin, float("inf"))


@keras_op
def ptp(x, axis=None, keepdims=False):
    """Range (``max - min``) over ``axis``, in the dtype of ``x``."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return torch.zeros_like(x)
    if x.dtype == torch.bool:
        raise TypeError("ptp: bool tensors cannot be subtracted; cast `x` to a numeric dtype "
                        "first, e.g. keras.ops.cast(x, 'int32').")
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


def _logic(x, axis, keepdims, torch_fn):
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x.to(torch.bool)
    return torch_fn(x, dim=_dims(x, axis), keepdim=keepdims).to(torch.bool)


@keras_op
def all(x, axis=None, keepdims=False):
    """Whether every element over ``axis`` is truthy; bool result."""
    return _logic(x, axis, keepdims, torch.all)


@keras_op
def any(x, axis=None, keepdims=False):
    """Whether some element over ``axis`` is truthy; bool result."""
    return _logic(x, axis, keepdims, torch.any)


@keras_op
def count_nonzero(x, axis=None):
    """Number of non-zero elements over ``axis``, as int32."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return (x != 0).to(torch.int32)
    return torch.count_nonzero(x, dim=_dims(x, axis)).to(torch.int32)


# ---------------------------------------------------------------------------
# Arg-extrema.
# ---------------------------------------------------------------------------

def _arg(x, axis, keepdims, torch_fn):
    x = bool_as_uint8(convert_to_tensor(x))
    return torch_fn(x, dim=axis, keepdim=keepdims).to(torch.int32)


@keras_op
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value along ``axis`` (of the flattened input for ``None``); int32."""
    return _arg(x, axis, keepdims, torch.argmax)


@keras_op
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value along ``axis`` (of the flattened input for ``None``); int32."""
    return _arg(x, axis, keepdims, torch.argmin)


def _nan_arg(x, axis, keepdims, arg_fn, fill):
    x = convert_to_tensor(x)
    if not x.dtype.is_floating_point:
        return arg_fn(x, axis, keepdims)
    nan = torch.isnan(x)
    out = arg_fn(torch.where(nan, torch.tensor(fill, dtype=x.dtype), x), axis, keepdims)
    all_nan = torch.all(nan, dim=axis, keepdim=keepdims) if axis is not None else \
        torch.all(nan).reshape(out.shape)
    return torch.where(all_nan, torch.tensor(-1, dtype=torch.int32), out)


@keras_op
def nanargmax(x, axis=None, keepdims=False):
    """:func:`argmax` ignoring NaN; -1 where a slice is all NaN (Keras's choice; NumPy raises)."""
    return _nan_arg(x, axis, keepdims, argmax, float("-inf"))


@keras_op
def nanargmin(x, axis=None, keepdims=False):
    """:func:`argmin` ignoring NaN; -1 where a slice is all NaN (Keras's choice; NumPy raises)."""
    return _nan_arg(x, axis, keepdims, argmin, float("inf"))


# ---------------------------------------------------------------------------
# Scans.
# ---------------------------------------------------------------------------

def _scan(x, axis, dtype, torch_fn):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    dtype = _result_type(standardize_dtype(dtype) if dtype is not None else x.dtype)
    if dtype == torch.bool:
        dtype = torch.int32
    if dtype == torch.float16:  # computed in float32, as Keras does on CPU
        return torch_fn(x, dim=axis, dtype=torch.float32).to(torch.float16)
    return torch_fn(x, dim=axis, dtype=dtype)


@keras_op
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (of the flattened input for ``None``); bool gives int32,
    64-bit inputs 32-bit results (Keras on torch)."""
    return _scan(x, axis, dtype, torch.cumsum)


@keras_op
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (of the flattened input for ``None``); dtypes as
    :func:`cumsum`."""
    return _scan(x, axis, dtype, torch.cumprod)


def _nan_as(x, value):
    x = convert_to_tensor(x)
    if x.dtype.is_floating_point:
        x = torch.where(torch.isnan(x), torch.tensor(value, dtype=x.dtype), x)
    return x


@keras_op
def nancumsum(x, axis=None, dtype=None):
    """:func:`cumsum` treating NaN as 0."""
    return cumsum(_nan_as(x, 0.0), axis=axis, dtype=dtype)


@keras_op
def nancumprod(x, axis=None, dtype=None):
    """:func:`cumprod` treating NaN as 1."""
    return cumprod(_nan_as(x, 1.0), axis=axis, dtype=dtype)


# ---------------------------------------------------------------------------
# Means and moments.
# ---------------------------------------------------------------------------

@keras_op
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``; integer and bool inputs give float32, floats keep their
    dtype (half floats are accumulated in float32)."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    compute = torch.float64 if x.dtype == torch.float64 else _result_type(x.dtype, torch.float32)
    result = compute if _is_int_or_bool(x.dtype) else x.dtype
    return torch.mean(x.to(compute), dim=_dims(x, axis), keepdim=keepdims).to(result)


@keras_op
def nanmean(x, axis=None, keepdims=False):
    """Mean over ``axis`` ignoring NaN (NaN for all-NaN slices); Keras's float promotion of
    ``x``'s dtype."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    compute, result = _float_dtypes(x)
    return torch.nanmean(x.to(compute), dim=_dims(x, axis), keepdim=keepdims).to(result)


@keras_op
def var(x, axis=None, keepdims=False):
    """Population variance (no Bessel correction) over ``axis``; Keras's float promotion of
    ``x``'s dtype (float64 gives float32 on torch)."""
    x = convert_to_tensor(x)
    compute, result = _float_dtypes(x)
    if _no_axes(axis):
        return torch.zeros_like(x, dtype=result)
    return torch.var(x.to(compute), dim=_dims(x, axis), keepdim=keepdims,
                     correction=0).to(result)


@keras_op
def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``; integer and bool inputs give float32,
    floats keep their dtype."""
    x = convert_to_tensor(x)
    dtype = torch.float32 if _is_int_or_bool(x.dtype) else x.dtype
    if _no_axes(axis):
        return torch.zeros_like(x, dtype=dtype)
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    return torch.std(x.to(compute), dim=_dims(x, axis), keepdim=keepdims,
                     correction=0).to(dtype)


@keras_op
def nanvar(x, axis=None, keepdims=False):
    """Population variance over ``axis`` ignoring NaN; dtypes as :func:`var`."""
    x = convert_to_tensor(x)
    compute, result = _float_dtypes(x)
    x = x.to(compute)
    nan = torch.isnan(x)
    if _no_axes(axis):
        return torch.where(nan, x, torch.zeros((), dtype=compute)).to(result)
    dims = _dims(x, axis)
    centered = torch.where(nan, torch.zeros((), dtype=compute),
                           x - torch.nanmean(x, dim=dims, keepdim=True))
    count = torch.sum(~nan, dim=dims, keepdim=keepdims)
    return (torch.sum(centered.square(), dim=dims, keepdim=keepdims) / count).to(result)


@keras_op
def nanstd(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis`` ignoring NaN; dtypes as :func:`var`."""
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


@keras_op
def average(x, axis=None, weights=None):
    """(Weighted) mean over ``axis``; ``weights`` has ``x``'s shape or, with an int ``axis``,
    is 1-D along it (as NumPy).  Float promotion of ``x`` (and ``weights``) dtypes."""
    x = convert_to_tensor(x)
    dtypes = [x.dtype, float]
    if weights is not None:
        weights = convert_to_tensor(weights)
        dtypes.append(weights.dtype)
    dtype = _result_type(*dtypes)
    compute = torch.float64 if torch.float64 in dtypes else dtype
    x = x.to(compute)
    if _no_axes(axis):
        return x.to(dtype)
    dims = _dims(x, axis)
    if weights is None:
        return torch.mean(x, dim=dims).to(dtype)
    weights = weights.to(compute)
    if weights.shape != x.shape:
        if weights.ndim != 1 or len(dims) != 1 or weights.shape[0] != x.shape[dims[0]]:
            raise ValueError(f"average: `weights` of shape {tuple(weights.shape)} must have the "
                             f"shape of `x` {tuple(x.shape)}, or be 1-D with the length of "
                             f"the one reduced axis (axis={axis}).")
        shape = [1] * x.ndim
        shape[dims[0]] = -1
        weights = weights.reshape(shape)
    weights = torch.broadcast_to(weights, x.shape)
    return (torch.sum(x * weights, dim=dims) / torch.sum(weights, dim=dims)).to(dtype)


# ---------------------------------------------------------------------------
# Quantiles.
# ---------------------------------------------------------------------------

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, axis, method, keepdims, torch_fn):
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"Unknown quantile method {method!r}; expected one of "
                         f"{_QUANTILE_METHODS}.")
    x = convert_to_tensor(x)
    compute, result = _float_dtypes(x)
    x = x.to(compute)
    q = convert_to_tensor(q).to(compute)
    dims = _dims(x, axis)
    kept = [d for d in range(x.ndim) if d not in dims]
    # Move the reduced axes last and merge them, then take the quantile over that one axis.
    flat = x.permute(*kept, *dims).reshape(*[x.shape[d] for d in kept], -1)
    out = torch_fn(flat, q, dim=-1, interpolation=method)
    if keepdims:
        out = out.reshape(*q.shape, *[1 if d in dims else n for d, n in enumerate(x.shape)])
    return out.to(result)


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantile(s) (``q`` in [0, 1], scalar or 1-D) over ``axis``; a 1-D ``q`` adds
    a leading axis.  Keras's float promotion of ``x``'s dtype."""
    return _quantile(x, q, axis, method, keepdims, torch.quantile)


@keras_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` ignoring NaN."""
    return _quantile(x, q, axis, method, keepdims, torch.nanquantile)


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentile(s) (``q`` in [0, 100]) over ``axis``; as :func:`quantile`."""
    q = convert_to_tensor(q, _floatx()) / 100.0
    return _quantile(x, q, axis, method, keepdims, torch.quantile)


@keras_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`percentile` ignoring NaN."""
    q = convert_to_tensor(q, _floatx()) / 100.0
    return _quantile(x, q, axis, method, keepdims, torch.nanquantile)


@keras_op
def median(x, axis=None, keepdims=False):
    """Median over ``axis`` (mean of the two middle values for even counts, as NumPy)."""
    return _quantile(x, 0.5, axis, "linear", keepdims, torch.quantile)


@keras_op
def nanmedian(x, axis=None, keepdims=False):
    """:func:`median` ignoring NaN."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    return _quantile(x, 0.5, axis, "linear", keepdims, torch.nanquantile)


# ---------------------------------------------------------------------------
# Counting, correlation, integration.
# ---------------------------------------------------------------------------

@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Occurrences of each non-negative integer in ``x`` (1-D, or 2-D counted per row), or the
    sums of ``weights`` per value; int32 without weights, else the promoted dtype."""
    if sparse:
        raise ValueError("bincount: keraton tensors are dense; sparse=True is not supported. "
                         "Call it with sparse=False.")
    x = convert_to_tensor(x)
    if x.dtype == torch.bool or x.dtype.is_floating_point or x.dtype.is_complex:
        raise TypeError(f"bincount expects non-negative integers; received dtype "
                        f"{backend.dtype_name(x.dtype)}. Cast `x` to an int dtype.")
    if x.ndim not in (1, 2):
        raise ValueError(f"bincount expects a 1-D or 2-D `x`; received shape {tuple(x.shape)}.")
    if x.numel() and bool(torch.any(x < 0)):
        raise ValueError("bincount expects non-negative integers; `x` has negative values.")
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.numel() else 0)
    if weights is None:
        dtype, values = torch.int32, torch.ones_like(x, dtype=torch.int32)
    else:
        weights = convert_to_tensor(weights)
        dtype = _result_type(x.dtype, weights.dtype)
        values = torch.broadcast_to(weights, x.shape).to(dtype)
    out = torch.zeros(*x.shape[:-1], length, dtype=dtype)
    # scatter_add keeps gradients flowing to float weights.
    return out.scatter_add(-1, x.long(), values)


@keras_op
def histogram(x, bins=10, range=None):
    """Counts of the 1-D ``x`` in ``bins`` equal bins over ``range`` (default: min to max);
    returns ``(counts, bin_edges)``."""
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"histogram: `bins` must be an int; received {bins!r}.")
    if bins < 0:
        raise ValueError(f"histogram: `bins` must be a non-negative int; received {bins}.")
    if range:
        if not isinstance(range, tuple) or len(range) != 2:
            raise ValueError(f"histogram: `range` must be a tuple (min, max); received {range!r}.")
        if range[1] < range[0]:
            raise ValueError(f"histogram: `range` must have max >= min; received {range!r}.")
    x = convert_to_tensor(x)
    if x.ndim > 1:
        raise ValueError(f"histogram expects a 1-D `x`; received shape {tuple(x.shape)}. "
                         "Flatten it first.")
    if not x.dtype.is_floating_point:
        x = x.to(_floatx())
    counts, edges = torch.histogram(x, bins=bins, range=range)
    return counts, edges


@keras_op
def corrcoef(x):
    """Pearson correlation coefficients of the rows of ``x`` (variables in rows)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(_floatx())
    elif x.dtype == torch.int64:
        x = x.to(torch.float64)
    return torch.corrcoef(x)


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, at points ``x`` or spacing
    ``dx``."""
    y = convert_to_tensor(y)
    if y.dtype == torch.bool:
        y = y.to(_floatx())
    if x is not None:
        return torch.trapezoid(y, convert_to_tensor(x), dim=axis)
    return torch.trapezoid(y, dx=dx, dim=axis)
