"""Tensor creation: filled tensors, ranges, identity-like matrices and window functions.

Dtypes follow Keras 3 on torch: ``zeros``/``ones``/``full``/``eye``... are
``floatx()`` unless ``dtype`` is given, ``*_like`` keep the input's dtype, and
``arange``/``linspace``/``logspace``/``geomspace`` take the Keras promotion of
their arguments' types (Python ``int`` -> int32, ``float`` -> float32, 64-bit
NumPy scalars and tensors narrowed to 32 bits).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from keraton import backend
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype
from keraton.ops._utils import result_type as result_dtype

__all__ = ["arange", "array", "bartlett", "blackman", "empty", "empty_like", "eye", "full",
           "full_like", "geomspace", "hamming", "hanning", "identity", "kaiser", "linspace",
           "logspace", "ones", "ones_like", "tri", "vander", "zeros", "zeros_like"]


def _dtype_or_floatx(dtype) -> torch.dtype:
    return standardize_dtype(dtype) or backend.torch_dtype(None)


def _shape(shape) -> tuple:
    if isinstance(shape, (torch.Tensor, np.ndarray)):
        shape = shape.tolist()
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def _type_of(value):
    """What Keras promotes for an argument: a tensor's dtype, else the Python type."""
    if isinstance(value, (list, tuple)):
        return convert_to_tensor(value).dtype
    return getattr(value, "dtype", type(value))


def _number(value):
    """A Python number from a Python/NumPy scalar or a one-element tensor."""
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        return value.item()
    return value


@keras_op
def zeros(shape, dtype=None):
    """A tensor of zeros (``keras.ops.zeros``); ``floatx()`` unless ``dtype`` is given."""
    return torch.zeros(_shape(shape), dtype=_dtype_or_floatx(dtype))


@keras_op
def ones(shape, dtype=None):
    """A tensor of ones (``keras.ops.ones``); ``floatx()`` unless ``dtype`` is given."""
    return torch.ones(_shape(shape), dtype=_dtype_or_floatx(dtype))


@keras_op
def empty(shape, dtype=None):
    """An uninitialised tensor (``keras.ops.empty``); ``floatx()`` unless ``dtype`` is given."""
    return torch.empty(_shape(shape), dtype=_dtype_or_floatx(dtype))


def _like(fn):
    def like(x, dtype=None):
        x = convert_to_tensor(x)
        return fn(x, dtype=standardize_dtype(dtype) or x.dtype)
    return like


@keras_op
def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape (``keras.ops.zeros_like``), in ``x``'s dtype unless given."""
    return _like(torch.zeros_like)(x, dtype)


@keras_op
def ones_like(x, dtype=None):
    """Ones of ``x``'s shape (``keras.ops.ones_like``), in ``x``'s dtype unless given."""
    return _like(torch.ones_like)(x, dtype)


@keras_op
def empty_like(x, dtype=None):
    """Uninitialised tensor of ``x``'s shape (``keras.ops.empty_like``), ``x``'s dtype unless given."""
    return _like(torch.empty_like)(x, dtype)


@keras_op
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value`` (``keras.ops.full``).

    As Keras on torch, the dtype is ``floatx()`` unless given, whatever the
    fill value's type; a tensor ``fill_value`` broadcasts to ``shape``.
    """
    dtype = _dtype_or_floatx(dtype)
    if isinstance(fill_value, (bool, int, float)):
        return torch.full(_shape(shape), fill_value, dtype=dtype)
    return convert_to_tensor(fill_value).to(dtype).broadcast_to(_shape(shape)).clone()


@keras_op
def full_like(x, fill_value, dtype=None):
    """A tensor like ``x`` filled with ``fill_value`` (``keras.ops.full_like``), ``x``'s dtype."""
    x = convert_to_tensor(x)
    return full(x.shape, fill_value, dtype=standardize_dtype(dtype) or x.dtype)


@keras_op
def array(x, dtype=None):
    """``x`` as a tensor (``keras.ops.array``), with Keras's default dtypes or ``dtype``."""
    return convert_to_tensor(x, dtype=dtype)


@keras_op
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (``keras.ops.arange``).

    Without ``dtype`` it is Keras's promotion of the arguments' types: all
    Python ints give int32, any float gives float32.
    """
    if dtype is None:
        dtype = result_dtype(*[_type_of(v) for v in (start, stop, step) if v is not None])
    dtype = standardize_dtype(dtype)
    start, stop, step = _number(start), _number(stop), _number(step)
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if dtype == torch.bool:
        return torch.arange(start, stop, step).to(dtype)
    return torch.arange(start, stop, step, dtype=dtype)


def _space_dtype(start, stop, dtype) -> torch.dtype:
    if dtype is None:
        return result_dtype(_type_of(start), _type_of(stop), float)
    return standardize_dtype(dtype)


def _is_plain_scalar(value) -> bool:
    """A number (or 0-D tensor) that needs no gradient: torch's own range kernels can take it."""
    if isinstance(value, torch.Tensor):
        return value.ndim == 0 and not value.requires_grad
    return not isinstance(value, (list, tuple)) and np.ndim(value) == 0


def _unit_steps(start, stop, num, endpoint, dtype, axis):
    """``start + t * (stop - start)`` for ``num`` values of ``t`` in ``[0, 1]``, along ``axis``.

    Returns the values (in a float type) and the step; array ``start``/``stop``
    broadcast together, as NumPy's ``linspace`` does.
    """
    compute = dtype if dtype.is_floating_point else backend.torch_dtype(None)
    start, stop = convert_to_tensor(start, compute), convert_to_tensor(stop, compute)
    divisor = (num - 1) if endpoint else num
    step = (stop - start) / divisor if divisor > 0 else torch.full_like(stop - start, math.nan)
    t = torch.arange(num, dtype=compute) / max(divisor, 1)
    t = t.reshape((num,) + (1,) * max(start.ndim, stop.ndim))
    values = start + t * (stop - start)
    if endpoint and num > 1:
        values[-1] = stop  # exactly ``stop``, as NumPy
    return torch.movedim(values, 0, axis), step


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``keras.ops.linspace``).

    ``endpoint=False`` leaves ``stop`` out; ``retstep=True`` also returns the
    spacing.  Array ``start``/``stop`` give one sequence per element, laid
    along ``axis``.  Default dtype: Keras's promotion of the arguments and
    ``float`` (float32).
    """
    dtype = _space_dtype(start, stop, dtype)
    if _is_plain_scalar(start) and _is_plain_scalar(stop) and axis in (0, -1):
        # torch's own kernel, as Keras uses it (integer dtypes included).
        first, last = _number(start), _number(stop)
        divisor = (num - 1) if endpoint else num
        step = torch.tensor((last - first) / divisor if divisor > 0 else math.nan)
        if not endpoint and num > 0:
            last = last - (last - first) / num
        values = torch.linspace(first, last, num, dtype=dtype)
    else:
        values, step = _unit_steps(start, stop, num, endpoint, dtype, axis)
        values = values.to(dtype)
    return (values, step) if retstep else values


@keras_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)`` (``keras.ops.logspace``).

    Default dtype: Keras's promotion of the arguments and ``float`` (float32).
    """
    dtype = _space_dtype(start, stop, dtype)
    if _is_plain_scalar(start) and _is_plain_scalar(stop) and axis in (0, -1):
        first, last = _number(start), _number(stop)
        if not endpoint and num > 0:
            last = last - (last - first) / num
        compute = torch.float32 if dtype == torch.float16 else dtype  # no float16 kernel on CPU
        return torch.logspace(first, last, num, base=base, dtype=compute).to(dtype)
    exponents, _ = _unit_steps(start, stop, num, endpoint, dtype, axis)
    return torch.pow(base, exponents).to(dtype)


@keras_op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values spaced evenly on a log scale from ``start`` to ``stop`` (``keras.ops.geomspace``).

    ``start`` and ``stop`` share a sign (negative sequences are mirrored);
    default dtype: Keras's promotion of the arguments and ``float`` (float32).
    """
    dtype = _space_dtype(start, stop, dtype)
    start, stop = convert_to_tensor(start, torch.float64), convert_to_tensor(stop, torch.float64)
    sign = torch.sign(start)
    values, _ = _unit_steps(torch.log10(start.abs()), torch.log10(stop.abs()), num, endpoint,
                            torch.float64, 0)
    values = sign * torch.pow(10.0, values)
    if num > 0:
        values[0] = start  # the ends exactly, as NumPy
        if endpoint and num > 1:
            values[-1] = stop
    return torch.movedim(values, 0, axis).to(dtype)


def _checked_int(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, float) or getattr(value, "is_floating_point", lambda: False)() or \
            (isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind == "f"):
        raise TypeError(f"Argument `{name}` must be an integer or an integer tensor, got {value!r}.")
    return int(value)


@keras_op
def eye(N, M=None, k=0, dtype=None):
    """``N x M`` matrix with ones on diagonal ``k`` (``keras.ops.eye``); ``floatx()`` by default.

    As Keras, a float ``N`` or ``M`` is a ``TypeError``.
    """
    n, m = _checked_int("N", N), _checked_int("M", M, allow_none=True)
    m = n if m is None else m
    offsets = torch.arange(m)[None, :] - torch.arange(n)[:, None]
    return (offsets == int(k or 0)).to(_dtype_or_floatx(dtype))


@keras_op
def identity(n, dtype=None):
    """The ``n x n`` identity matrix (``keras.ops.identity``); ``floatx()`` by default."""
    return eye(n, dtype=dtype)


@keras_op
def tri(N, M=None, k=0, dtype=None):
    """``N x M`` matrix with ones at and below diagonal ``k`` (``keras.ops.tri``); ``floatx()``."""
    n, m = int(N), int(N if M is None else M)
    offsets = torch.arange(m)[None, :] - torch.arange(n)[:, None]
    return (offsets <= k).to(_dtype_or_floatx(dtype))


@keras_op
def vander(x, N=None, increasing=False):
    """Vandermonde matrix of the 1-D ``x``: columns are powers of ``x`` (``keras.ops.vander``).

    Powers decrease from ``N - 1`` unless ``increasing``.  Dtype as Keras:
    ``x``'s dtype with 64-bit types narrowed to 32 bits.
    """
    x = convert_to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {tuple(x.shape)}.")
    if N is not None and not isinstance(N, int):
        raise TypeError(f"vander: N must be an int or None, got {N!r} of type {type(N).__name__}.")
    if N is not None and N < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}.")
    if not isinstance(increasing, bool):
        raise TypeError(f"vander: increasing must be a bool, got {increasing!r}.")
    return torch.vander(x, N=N, increasing=increasing).to(result_dtype(x))


def _window(fn, name):
    def window(x, *args):
        length = _checked_int("x", _number(x))
        if length < 0:
            raise ValueError(f"{name}: the window length must be non-negative, got {length}.")
        return fn(length, *args, dtype=torch.float32)
    return window


@keras_op
def bartlett(x):
    """The Bartlett (triangular) window of ``x`` points (``keras.ops.bartlett``), float32."""
    return _window(torch.signal.windows.bartlett, "bartlett")(x)


@keras_op
def blackman(x):
    """The Blackman window of ``x`` points (``keras.ops.blackman``), float32."""
    return _window(torch.signal.windows.blackman, "blackman")(x)


@keras_op
def hamming(x):
    """The Hamming window of ``x`` points (``keras.ops.hamming``), float32."""
    return _window(torch.signal.windows.hamming, "hamming")(x)


@keras_op
def hanning(x):
    """The Hann window of ``x`` points (``keras.ops.hanning``), float32."""
    return _window(torch.signal.windows.hann, "hanning")(x)


@keras_op
def kaiser(x, beta):
    """The Kaiser window of ``x`` points and shape ``beta`` (``keras.ops.kaiser``), float32."""
    return _window(lambda m, dtype: torch.signal.windows.kaiser(m, beta=float(beta), dtype=dtype),
                   "kaiser")(x)
