"""``keras.ops.linalg``: matrix decompositions, solvers and norms on ``torch.linalg``.

Inputs are (batches of) matrices in the last two axes.  Decompositions return
torch's named tuples (``U, S, Vh = svd(x)``), as Keras's torch backend does.
Ops that need float input raise a ``TypeError`` on int or bool tensors; ``norm``
alone converts them (to ``floatx()``, as in Keras).
"""

from __future__ import annotations

import torch
from torch.utils import _pytree as pytree

from keraton import backend
from keraton.ops._utils import convert_to_tensor as _to_tensor
from keraton.ops._utils import keras_op

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]


def _matrix(x, op, square=False):
    """``x`` as a float tensor of rank >= 2 (square in its last two axes if asked)."""
    x = _to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a matrix (rank >= 2), got shape {tuple(x.shape)}.")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op}: expected square matrices, got shape {tuple(x.shape)}.")
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"{op}: expected a float tensor, got dtype {backend.dtype_name(x.dtype)}. "
                        "Cast it first, e.g. keras.ops.cast(x, 'float32').")
    return x


def _rhs(a, b, op):
    """Right-hand side ``b`` checked against ``a``: (..., M) or (..., M, K)."""
    b = _to_tensor(b)
    if b.ndim < 1:
        raise ValueError(f"{op}: `b` must have rank >= 1, got a scalar.")
    rows = b.shape[-2] if b.ndim == a.ndim else b.shape[-1]
    if b.ndim in (a.ndim, a.ndim - 1) and rows != a.shape[-2]:
        raise ValueError(f"{op}: `a` (shape {tuple(a.shape)}) and `b` (shape {tuple(b.shape)}) "
                         "do not match: b's rows must equal a's.")
    return b


@keras_op
def cholesky(x, upper=False):
    """The Cholesky factor of positive-definite ``x``: lower ``L`` with ``L @ L^H = x``
    (upper ``U`` with ``U^H @ U = x`` if ``upper``).  Raises ``ValueError`` if it fails."""
    x = _matrix(x, "cholesky", square=True)
    try:
        return torch.linalg.cholesky(x, upper=upper)
    except RuntimeError as e:
        raise ValueError(f"Cholesky decomposition failed (is the matrix positive-definite?): "
                         f"{e}") from None


@keras_op
def cholesky_inverse(x, upper=False):
    """The inverse of ``A`` given its Cholesky factor ``x`` (lower, or upper if ``upper``)."""
    x = _matrix(x, "cholesky_inverse", square=True)
    try:
        return torch.cholesky_inverse(x, upper=upper)
    except RuntimeError as e:
        raise ValueError(f"Cholesky inverse failed: {e}") from None


@keras_op
def det(x):
    """Determinant of the square matrices in the last two axes."""
    return torch.linalg.det(_matrix(x, "det", square=True))


@keras_op
def eig(x):
    """Eigenvalues and eigenvectors of general square matrices (complex results)."""
    return torch.linalg.eig(_matrix(x, "eig", square=True))


@keras_op
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric/Hermitian matrices."""
    return torch.linalg.eigh(_matrix(x, "eigh", square=True))


@keras_op
def inv(x):
    """Inverse of the square matrices in the last two axes."""
    return torch.linalg.inv(_matrix(x, "inv", square=True))


@keras_op
def lu_factor(x):
    """LU decomposition with partial pivoting: ``(LU, pivots)`` with 0-based int32 pivots
    (torch's 1-based ones shifted, as Keras does)."""
    lu, pivots = torch.linalg.lu_factor(_matrix(x, "lu_factor"))
    return lu, pivots - 1


_MATRIX_ORDS = (None, "fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2)


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm (``axis`` an int, or ``None`` on a 1-D tensor) or matrix norm (``axis`` a
    pair, or ``None`` on a 2-D tensor), as ``numpy.linalg.norm``; ``axis=None`` on other
    ranks gives the 2-norm of the flattened tensor.  As in Keras, the result is float16 or
    bfloat16 for those inputs and ``floatx()`` for all others (float64 and ints included)."""
    x = _to_tensor(x)
    # Keras computes in result_type(x.dtype, float): float16/bfloat16 stay, every other
    # real dtype (float64 included) becomes floatx().
    if x.dtype not in (torch.float16, torch.bfloat16) and not x.is_complex():
        x = x.to(backend.torch_dtype(None))
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(f"norm: a string `ord` must be 'fro' or 'nuc', got {ord!r}.")
    axes = (axis,) if isinstance(axis, int) else None if axis is None else tuple(axis)
    num_axes = x.ndim if axes is None else len(axes)
    if num_axes == 1 and isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; vector norms take a number.")
    if num_axes == 2 and ord not in _MATRIX_ORDS:
        raise ValueError(f"norm: invalid `ord` for a matrix norm: {ord!r}. Use one of "
                         f"{list(_MATRIX_ORDS)}.")
    if axes is None and x.ndim > 2 and ord is not None:
        raise ValueError(f"norm: with axis=None and ord={ord!r}, `x` must be 1-D or 2-D; got "
                         f"shape {tuple(x.shape)}. Pass `axis`.")
    return torch.linalg.norm(x, ord=ord, dim=axes, keepdim=keepdims)


@keras_op
def qr(x, mode="reduced"):
    """QR decomposition ``(Q, R)``; ``mode`` is ``'reduced'`` or ``'complete'``."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: `mode` must be 'reduced' or 'complete', got {mode!r}.")
    return torch.linalg.qr(_matrix(x, "qr"), mode=mode)


@keras_op
def solve(a, b):
    """``x`` with ``a @ x = b`` for square ``a``; ``b`` is a vector (..., M) or matrix (..., M, K)."""
    a = _matrix(a, "solve", square=True)
    return torch.linalg.solve(a, _rhs(a, b, "solve").to(a.dtype))


@keras_op
def solve_triangular(a, b, lower=False):
    """``x`` with ``a @ x = b`` for triangular ``a`` (upper unless ``lower``)."""
    a = _matrix(a, "solve_triangular", square=True)
    b = _rhs(a, b, "solve_triangular").to(a.dtype)
    if b.ndim == a.ndim - 1:
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@keras_op
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition ``(U, S, Vh)`` with ``x = U @ diag(S) @ Vh``; only the
    singular values ``S`` (descending) if ``compute_uv=False``."""
    x = _matrix(x, "svd")
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return torch.linalg.svd(x, full_matrices=full_matrices)


@keras_op
def lstsq(a, b, rcond=None):
    """Least-squares solution ``x`` minimising ``||a @ x - b||`` for ``a`` (M, N) and ``b``
    (M,) or (M, K); singular values below ``rcond * max(S)`` count as zero."""
    a = _matrix(a, "lstsq")
    b = _to_tensor(b).to(a.dtype)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"lstsq: expected `a` of shape (M, N) and `b` of shape (M,) or (M, K), "
                         f"got {tuple(a.shape)} and {tuple(b.shape)}.")
    rhs = b.unsqueeze(-1) if b.ndim == 1 else b
    if rcond is None:
        solution = torch.linalg.lstsq(a, rhs).solution
    elif a.device.type == "cuda":  # CUDA's only driver has no cutoff: go through pinv
        solution = torch.linalg.pinv(a, rtol=rcond) @ rhs
    else:  # the SVD driver applies rcond as NumPy does
        solution = torch.linalg.lstsq(a, rhs, rcond=rcond, driver="gelsd").solution
    return solution.squeeze(-1) if b.ndim == 1 else solution


@keras_op
def matrix_rank(x, tol=None):
    """Number of singular values above ``tol`` (default: torch's ``max(M, N) * eps * max(S)``),
    as int32."""
    return torch.linalg.matrix_rank(_matrix(x, "matrix_rank"), atol=tol).to(torch.int32)


@keras_op
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse; singular values below ``rcond * max(S)`` are dropped."""
    return torch.linalg.pinv(_matrix(x, "pinv"), rtol=rcond)


def _primal(value):
    """A primal or tangent: a nested list of numbers is one tensor, other structures (dicts,
    lists of tensors) keep their structure with tensor leaves."""
    leaves = pytree.tree_leaves(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in leaves):
        return _to_tensor(value)
    return pytree.tree_map(_to_tensor, value)


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product: ``(fun(*primals), J @ tangents)``, plus ``aux``
    when ``has_aux`` (``fun`` then returns ``(output, aux)``); ``torch.func.jvp``."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: `primals` and `tangents` must be tuples or lists of tensors, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}.")
    primals = tuple(_primal(p) for p in primals)
    tangents = pytree.tree_map(lambda t, p: _to_tensor(t).to(p.dtype),
                               tuple(_primal(t) for t in tangents), primals)
    return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)
