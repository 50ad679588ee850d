"""keraton.ops.linalg against keras.ops.linalg on the torch backend."""

import numpy as np
import pytest
import torch
from torch.utils import _pytree as pytree

import keraton
from keraton import ops
from keraton.ops import linalg

keras = pytest.importorskip("keras")
klinalg = keras.ops.linalg

RNG = np.random.default_rng(1)
A = RNG.normal(size=(3, 3)).astype("float32")
SPD = A @ A.T + 3 * np.eye(3, dtype="float32")
RECT = RNG.normal(size=(4, 3)).astype("float32")
BATCH = RNG.normal(size=(2, 4, 3)).astype("float32")
FLOATS = ["float32", "float64"]


def assert_same(ours, theirs, rtol=1e-5, atol=1e-5):
    """Same structure, dtypes (Keras names), shapes and values."""
    our_leaves, their_leaves = pytree.tree_flatten(ours)[0], pytree.tree_flatten(theirs)[0]
    assert len(our_leaves) == len(their_leaves)
    for mine, ref in zip(our_leaves, their_leaves):
        assert isinstance(mine, torch.Tensor)
        assert str(mine.dtype).replace("torch.", "") == keras.backend.standardize_dtype(ref.dtype)
        assert tuple(mine.shape) == tuple(ref.shape)
        np.testing.assert_allclose(mine.detach().numpy(), ref.detach().numpy(), rtol=rtol,
                                   atol=atol)


def check(name, *args, **kwargs):
    assert_same(getattr(linalg, name)(*args, **kwargs), getattr(klinalg, name)(*args, **kwargs))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, kwargs", [
    ("det", {}), ("inv", {}), ("eigh", {}), ("cholesky", {}), ("cholesky", {"upper": True}),
    ("svd", {}), ("qr", {}), ("lu_factor", {}), ("pinv", {}), ("matrix_rank", {}),
    ("norm", {}),
])
def test_square_matrix_ops(name, kwargs, dtype):
    check(name, SPD.astype(dtype), **kwargs)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, kwargs", [
    ("svd", {"full_matrices": False}), ("svd", {"compute_uv": False}), ("qr", {"mode": "complete"}),
    ("pinv", {"rcond": 0.1}), ("matrix_rank", {"tol": 0.5}), ("lu_factor", {}),
])
def test_rectangular_matrix_ops(name, kwargs, dtype):
    check(name, RECT.astype(dtype), **kwargs)


@pytest.mark.parametrize("dtype", FLOATS)
def test_eig_and_cholesky_inverse(dtype):
    check("eig", SPD.astype(dtype))
    factor = np.linalg.cholesky(SPD)
    check("cholesky_inverse", factor.astype(dtype))
    check("cholesky_inverse", factor.T.astype(dtype), upper=True)
    np.testing.assert_allclose(linalg.cholesky_inverse(factor.astype(dtype)).numpy(),
                               np.linalg.inv(SPD), rtol=1e-4)


@pytest.mark.parametrize("dtype", FLOATS)
def test_solvers(dtype):
    spd, rect = SPD.astype(dtype), RECT.astype(dtype)
    check("solve", spd, rect[:3])
    check("solve", spd, rect[0])
    check("solve_triangular", np.triu(spd), rect[:3])
    check("solve_triangular", np.tril(spd), rect[0], lower=True)
    check("lstsq", rect, rect[:, 0] * 2)
    check("lstsq", rect, rect[:, :2] * 2, rcond=1e-3)


def test_batched_solve_works_where_keras_torch_fails():
    stacked = np.stack([SPD, 2 * SPD])
    x = linalg.solve(stacked, BATCH[:, :3])
    np.testing.assert_allclose((torch.as_tensor(stacked) @ x).numpy(), BATCH[:, :3], rtol=1e-4,
                               atol=1e-5)


ORDS = [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("axis", [None, (0, 1), (1, 0)])
def test_matrix_norms(ord, axis):
    check("norm", RECT, ord=ord, axis=axis)
    check("norm", BATCH, ord=ord, axis=(1, 2), keepdims=True)


@pytest.mark.parametrize("ord", [None, np.inf, -np.inf, 0, 1, -1, 2, 3, 0.5])
@pytest.mark.parametrize("axis", [0, -1])
def test_vector_norms(ord, axis):
    check("norm", RECT, ord=ord, axis=axis)
    check("norm", RECT[0], ord=ord)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "float16", "float64"])
def test_norm_dtypes(dtype):
    # As in Keras, float64 gives float32 (floatx) here; only float16/bfloat16 are kept.
    check("norm", RECT.astype(dtype))
    check("norm", BATCH.astype(dtype))
    assert_same(ops.norm([3, 4]), keras.ops.norm([3, 4]))


@pytest.mark.parametrize("call, error, match", [
    (lambda: linalg.inv(RECT), ValueError, "square"),
    (lambda: linalg.det(RECT[0]), ValueError, "rank >= 2"),
    (lambda: linalg.cholesky(-SPD), ValueError, "Cholesky"),
    (lambda: linalg.qr(RECT, mode="r"), ValueError, "mode"),
    (lambda: linalg.solve(SPD, RECT), ValueError, "rows"),
    (lambda: linalg.inv(SPD.astype("int32")), TypeError, "float"),
    (lambda: linalg.norm(RECT, ord="fro", axis=0), ValueError, "matrix norm"),
    (lambda: linalg.norm(RECT, ord=3), ValueError, "matrix norm"),
    (lambda: linalg.norm(RECT, ord="max"), ValueError, "'fro' or 'nuc'"),
    (lambda: linalg.norm(BATCH, ord=1), ValueError, "axis"),
    (lambda: linalg.lstsq(BATCH, BATCH), ValueError, r"\(M, N\)"),
])
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_jvp():
    primals, tangents = (torch.tensor([1.0, 2.0]),), (torch.tensor([1.0, 0.5]),)
    assert_same(linalg.jvp(lambda x: torch.sin(x) * 2, primals, tangents),
                klinalg.jvp(lambda x: torch.sin(x) * 2, primals, tangents))
    two = (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
    assert_same(linalg.jvp(lambda x, y: x * y, two, two), klinalg.jvp(lambda x, y: x * y, two, two))
    out, tangent, aux = linalg.jvp(lambda x: (x**2, x + 1), primals, tangents, has_aux=True)
    np.testing.assert_allclose(tangent.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(aux.numpy(), [2.0, 3.0])
    nested = ({"a": torch.tensor([1.0, 2.0]), "b": [torch.tensor([3.0, 4.0])]},)
    out, tangent = linalg.jvp(lambda d: d["a"] * d["b"][0], nested, nested)
    np.testing.assert_allclose(tangent.numpy(), [6.0, 16.0])
    out, tangent = linalg.jvp(lambda x: x * 2, ([1.0, 2.0],), ([1, 1],))  # lists of numbers
    np.testing.assert_allclose(tangent.numpy(), [2.0, 2.0])
    with pytest.raises(TypeError, match="tuples"):
        linalg.jvp(torch.sin, torch.ones(2), torch.ones(2))


@pytest.mark.parametrize("fn", [
    linalg.det, linalg.inv, lambda x: linalg.solve(x, x[:, :1] + 1), lambda x: linalg.norm(x),
    lambda x: linalg.norm(x, ord="nuc"), lambda x: linalg.cholesky(x @ x.T + 3 * torch.eye(3)),
    lambda x: linalg.svd(x, compute_uv=False), lambda x: linalg.pinv(x),
], ids=["det", "inv", "solve", "norm", "nuc_norm", "cholesky", "svdvals", "pinv"])
def test_gradients_match_finite_differences(fn):
    # norm computes in floatx (float32), so compare with a looser tolerance there.
    x = torch.tensor(SPD.astype("float64"), requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


def test_linalg_ops_in_a_functional_model():
    inputs = keraton.Input((3, 3))
    # (inv/solve/cholesky are left out: keraton infers a Lambda's output shape by running it
    # on zeros, which are singular.)
    fns = [linalg.det, lambda t: linalg.norm(t, axis=(1, 2)), lambda t: linalg.qr(t)[1],
           lambda t: linalg.svd(t, compute_uv=False)]
    model = keraton.Model(inputs, [fn(inputs) for fn in fns])
    x = np.stack([SPD, 2 * SPD, SPD + np.eye(3, dtype="float32")])
    for fn, got in zip(fns, model.predict(x, verbose=0)):
        np.testing.assert_allclose(np.asarray(got), fn(torch.as_tensor(x)).numpy(), rtol=1e-5)
    assert ops.solve is linalg.solve and ops.norm is linalg.norm
