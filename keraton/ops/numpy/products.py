"""Products of tensors: ``matmul``, ``dot``, ``tensordot``, ``einsum`` and their relatives.

Result dtypes follow Keras 3 on torch: the two input dtypes meet on Keras's
promotion lattice (a JAX-like one, where 64-bit results come out as 32-bit),
``int8 @ int8`` gives ``int32``, and products torch cannot compute in a dtype
(``bool``, ``float16`` on CPU, integers on GPU) are computed in a float type
and cast back.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.ops._utils import convert_to_tensor, keras_op, result_type

__all__ = ["correlate", "cross", "dot", "einsum", "inner", "kron", "matmul", "outer", "slogdet",
           "tensordot", "vdot"]

def _float_dtype(dtype: torch.dtype) -> torch.dtype:
    """Keras's ``result_type(dtype, float)``: floats stay, ints and bool become floatx."""
    return dtype if dtype.is_floating_point else result_type(dtype, float)


def _compute_dtype(dtype: torch.dtype, device: torch.device) -> torch.dtype:
    """A dtype torch's matrix kernels accept for a product whose result is ``dtype``."""
    if dtype == torch.bool or (device.type != "cpu" and not dtype.is_floating_point):
        return backend.torch_dtype(None)
    if dtype == torch.float16 and device.type == "cpu":
        return torch.float32
    return dtype


def _pair(x1, x2):
    return convert_to_tensor(x1), convert_to_tensor(x2)


@keras_op
def matmul(x1, x2):
    """Matrix product with NumPy broadcasting (``keras.ops.matmul``).

    Dtype as Keras: the promoted type of both inputs, ``int32`` for two
    ``int8`` inputs; bool inputs give a bool result.
    """
    x1, x2 = _pair(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(
            f"matmul: both inputs need at least 1 dimension, got shapes {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}. Use keras.ops.multiply for scalars.")
    if x1.dtype == torch.int8 and x2.dtype == torch.int8:
        out_dtype = torch.int32
    else:
        out_dtype = result_type(x1, x2)
    compute = _compute_dtype(out_dtype, x1.device)
    return torch.matmul(x1.to(compute), x2.to(compute)).to(out_dtype)


def _float_product(fn, x1, x2):
    """Run ``fn`` in a float type; the result has Keras's promoted dtype of the inputs."""
    out_dtype = result_type(x1, x2)
    compute = _compute_dtype(_float_dtype(out_dtype), x1.device)
    return fn(x1.to(compute), x2.to(compute)).to(out_dtype)


@keras_op
def dot(x1, x2):
    """NumPy's ``dot`` (``keras.ops.dot``): products of vectors, matrices and N-D tensors.

    0-D inputs multiply; for an N-D ``x1`` and an M-D ``x2`` (M >= 2) it sums
    over the last axis of ``x1`` and the second-to-last of ``x2``.  Dtype as
    Keras: the promoted type of both inputs.
    """
    x1, x2 = _pair(x1, x2)

    def product(a, b):
        if a.ndim == 0 or b.ndim == 0:
            return a * b
        if a.ndim >= 2 and b.ndim > 2:
            return torch.tensordot(a, b, dims=([-1], [-2]))
        return torch.matmul(a, b)

    return _float_product(product, x1, x2)


@keras_op
def tensordot(x1, x2, axes=2):
    """Sum of products over the given axes (``keras.ops.tensordot``, NumPy's ``axes``).

    ``axes`` is an int N (last N axes of ``x1`` with first N of ``x2``) or a
    pair of axis lists / single axes.  Dtype as Keras: the promoted type.
    """
    x1, x2 = _pair(x1, x2)
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(
                f"tensordot: axes must be an int or a pair (axes of x1, axes of x2), got {axes!r}.")
        axes = tuple([a] if isinstance(a, int) else list(a) for a in axes)
    return _float_product(lambda a, b: torch.tensordot(a, b, dims=axes), x1, x2)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation (``keras.ops.einsum``), as ``numpy.einsum``.

    As in Keras, ``int8`` operands give an ``int32`` result; operands of
    different dtypes are first promoted to their common Keras dtype.
    """
    tensors = [convert_to_tensor(t) for t in operands]
    dtypes = {t.dtype for t in tensors}
    if dtypes == {torch.int8}:
        out_dtype = torch.int32
    elif len(dtypes) == 1:
        out_dtype = dtypes.pop()
    else:
        out_dtype = result_type(*tensors)
    device = tensors[0].device if tensors else torch.device("cpu")
    compute = out_dtype
    if out_dtype == torch.bool or (device.type != "cpu" and not out_dtype.is_floating_point):
        compute = backend.torch_dtype(None)  # kernels torch lacks: bool, ints on GPU
    return torch.einsum(subscripts, *[t.to(compute) for t in tensors]).to(out_dtype)


@keras_op
def inner(x1, x2):
    """Inner product over the last axes (``keras.ops.inner``); scalars multiply.

    Dtype as Keras: the promoted type of both inputs.
    """
    x1, x2 = _pair(x1, x2)
    return _float_product(torch.inner, x1, x2)


@keras_op
def vdot(x1, x2):
    """Dot product of the flattened inputs (``keras.ops.vdot``), promoted dtype as Keras."""
    x1, x2 = _pair(x1, x2)
    return _float_product(lambda a, b: torch.vdot(a.reshape(-1), b.reshape(-1)), x1, x2)


@keras_op
def outer(x1, x2):
    """Outer product of the flattened inputs (``keras.ops.outer``), torch's promoted dtype."""
    x1, x2 = _pair(x1, x2)
    return torch.outer(x1.reshape(-1), x2.reshape(-1))


@keras_op
def kron(x1, x2):
    """Kronecker product (``keras.ops.kron``), torch's promoted dtype as Keras on torch."""
    x1, x2 = _pair(x1, x2)
    return torch.kron(x1, x2)


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors) along an axis (``keras.ops.cross``).

    As ``numpy.cross``: ``axisa``/``axisb`` pick the vector axes of the inputs,
    ``axisc`` the one of the result, and ``axis`` sets all three.  Two
    2-vectors give the z-component alone.  Dtype: Keras's promoted type.
    """
    x1, x2 = _pair(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = torch.movedim(x1, axisa, -1), torch.movedim(x2, axisb, -1)
    for name, t in (("x1", a), ("x2", b)):
        if t.shape[-1] not in (2, 3):
            raise ValueError(
                f"cross: the vector axis of {name} must have length 2 or 3, got shape "
                f"{tuple(t.shape)} along that axis ({t.shape[-1]}). Pick the axis with axisa/"
                "axisb/axis.")
    both_2d = a.shape[-1] == 2 and b.shape[-1] == 2

    def product(u, v):
        u = torch.nn.functional.pad(u, (0, 3 - u.shape[-1]))
        v = torch.nn.functional.pad(v, (0, 3 - v.shape[-1]))
        u, v = torch.broadcast_tensors(u, v)
        c = torch.linalg.cross(u, v, dim=-1)
        return c[..., 2] if both_2d else torch.movedim(c, -1, axisc)

    return _float_product(product, a, b)


@keras_op
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D signals (``keras.ops.correlate``), as ``numpy.correlate``.

    ``mode`` is ``"valid"`` (length ``max - min + 1``), ``"same"`` (length
    ``max(M, N)``) or ``"full"`` (length ``M + N - 1``).  Leading axes, if any,
    are batch axes that broadcast.  Dtype as Keras: float32, or the input's
    float16/bfloat16.
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}.")
    x1, x2 = _pair(x1, x2)
    out_dtype = result_type(x1, x2)
    if out_dtype not in (torch.float16, torch.bfloat16):
        out_dtype = torch.float32
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(
            f"correlate: inputs must be 1-D signals, got shapes {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}.")
    n, m = x1.shape[-1], x2.shape[-1]
    batch = torch.broadcast_shapes(x1.shape[:-1], x2.shape[:-1])
    a = x1.to(out_dtype).expand(*batch, n).reshape(1, -1, n)
    v = x2.to(out_dtype).expand(*batch, m).reshape(-1, 1, m)
    # Grouped conv1d of the zero-padded signal with each kernel is the full correlation.
    full = torch.nn.functional.conv1d(a, v, padding=m - 1, groups=v.shape[0])
    full = full.reshape(*batch, n + m - 1)
    if mode == "full":
        return full
    length = abs(n - m) + 1 if mode == "valid" else max(n, m)
    if mode == "valid":
        start = min(n, m) - 1
    else:  # NumPy centres "same" this way, favouring the left for even lengths
        start = (m - 1) // 2 if n >= m else n // 2
    return full[..., start:start + length]


@keras_op
def slogdet(x):
    """Sign and natural log of the absolute determinant (``keras.ops.slogdet``), as a tuple.

    Integer or bool matrices are computed in ``floatx()``.
    """
    x = convert_to_tensor(x)
    if not x.dtype.is_floating_point:
        x = x.to(backend.torch_dtype(None))
    return tuple(torch.linalg.slogdet(x))
