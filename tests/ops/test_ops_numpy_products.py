"""keraton.ops products (matmul, dot, tensordot, einsum...) against Keras 3 on torch."""

import itertools

import numpy as np
import pytest
import torch

import keraton
from keraton import ops
from keraton.ops._utils import result_type as result_dtype

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "bfloat16", "float16", "float32", "float64"]


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


def _tensor(shape, dtype, seed=0):
    values = np.random.default_rng(seed).integers(0, 3, size=shape)
    return torch.tensor(values).to(getattr(torch, dtype))


def assert_same(ours, theirs, rtol=1e-6, atol=0.0):
    """Values, shapes and Keras dtype names equal; tuples compared item by item."""
    if isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, rtol, atol)
        return
    assert isinstance(ours, torch.Tensor)
    assert _dtype(ours) == keras.backend.standardize_dtype(theirs.dtype)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.detach().double().numpy(), theirs.detach().double().numpy(),
                               rtol=rtol, atol=atol)


PAIR_OPS = {
    "matmul": ((2, 3), (3, 4)), "dot": ((2, 3), (3,)), "inner": ((2, 3), (4, 3)),
    "tensordot": ((2, 3, 4), (3, 4, 2)),
}


@pytest.mark.parametrize("name", sorted(PAIR_OPS))
@pytest.mark.parametrize("dtype1,dtype2", list(itertools.product(DTYPES, DTYPES)))
def test_dtype_promotion_matches_keras(name, dtype1, dtype2):
    shape1, shape2 = PAIR_OPS[name]
    x1, x2 = _tensor(shape1, dtype1, 1), _tensor(shape2, dtype2, 2)
    assert_same(getattr(ops, name)(x1, x2), getattr(keras.ops, name)(x1, x2), rtol=1e-2)


@pytest.mark.parametrize("values", [
    ("int32", float), (int, float), (int, int), ("int64",), ("float64", "float16"),
    ("uint8", "int8"), ("bool", int), ("bfloat16", "float16"), ("int16", float, "uint8"),
])
def test_result_dtype_is_keras_result_type(values):
    assert _dtype(torch.empty(0, dtype=result_dtype(*values))) == \
        keras.backend.result_type(*values)


F32 = RNG.normal(size=(3, 4)).astype("float32")
F64 = RNG.normal(size=(2, 3, 4))
V3 = RNG.normal(size=(4, 3)).astype("float32")
V3R = V3[::-1].copy()

CASES = [
    ("matmul", (F32, F32.T), {}), ("matmul", (F64, F64.transpose(0, 2, 1)), {}),
    ("matmul", (F32[0], F32.T), {}), ("matmul", ([[1, 2]], [[3], [4]]), {}),
    ("matmul", (np.ones((2, 2), "int8"), np.ones((2, 2), "int8")), {}),
    ("dot", (F32[0], F32[0]), {}), ("dot", (F32, F32.T), {}), ("dot", (2.0, F32), {}),
    ("dot", (F32, np.float32(3.0)), {}), ("dot", (F64, F64[0, 0]), {}),
    ("tensordot", (F32, F32.T), {"axes": 1}), ("tensordot", (F32, F32.T), {"axes": (1, 0)}),
    ("tensordot", (F32, F32.T), {"axes": ([1], [0])}), ("tensordot", (F32, V3), {"axes": 0}),
    ("tensordot", (F64, F64), {"axes": ((1, 2), (1, 2))}),
    ("einsum", ("ij,jk->ik", F32, F32.T), {}), ("einsum", ("...ij,...jk", F64, F64.swapaxes(1, 2)),
                                                 {}),
    ("einsum", ("ii", F32[:3, :3]), {}), ("einsum", ("i,i->", F32[0], F32[1]), {}),
    ("einsum", ("ij,jk->ik", np.ones((2, 2), "int8"), np.ones((2, 2), "int8")), {}),
    ("einsum", ("ij->ji", np.arange(6).reshape(2, 3)), {}),
    ("inner", (F32, F32), {}), ("inner", (2.0, F32), {}), ("vdot", (F32[0], F32[1]), {}),
    ("outer", (F32[0], F32[1, :2]), {}), ("outer", (F32, F32[0]), {}),
    ("outer", (np.arange(3, dtype="int32"), np.arange(2.0, dtype="float32")), {}),
    ("kron", (np.eye(2), F32), {}), ("kron", (np.arange(3, dtype="int8"),
                                             np.arange(3, dtype="uint8")), {}),
    ("cross", (V3, V3R), {}), ("cross", (V3.T.copy(), V3R.T.copy()), {"axis": 0}),
    ("cross", (np.ones(3, "int32"), np.arange(3, dtype="int32")), {}),
    ("correlate", (np.array([1.0, 2, 3]), np.array([0.0, 1])), {}),
    ("correlate", (np.array([1.0, 2, 3, 4]), np.array([0.0, 1])), {"mode": "full"}),
    ("correlate", (np.array([1.0, 2, 3, 4, 5]), np.array([0.0, 1, 2])), {"mode": "same"}),
    ("correlate", (np.arange(3), np.arange(2)), {}),
    ("correlate", (np.array([0.0, 1]), np.array([1.0, 2, 3, 4])), {}),
    ("correlate", (np.arange(5, dtype="float16"), np.arange(2, dtype="float16")), {}),
    ("slogdet", (np.array([[1.0, 2], [3, 4]], "float32"),), {}),
    ("slogdet", (RNG.normal(size=(2, 3, 3)),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(name, args, kwargs):
    rtol = 1e-3 if name == "correlate" and args[0].dtype == np.float16 else 1e-5
    assert_same(getattr(ops, name)(*args, **kwargs),
                getattr(keras.ops, name)(*[torch.as_tensor(a) if isinstance(a, np.ndarray) else a
                                           for a in args], **kwargs), rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("lengths", [(5, 3), (5, 2), (4, 4), (2, 5), (3, 6), (1, 4), (6, 1)])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_correlate_follows_numpy(lengths, mode):
    a, v = RNG.normal(size=lengths[0]), RNG.normal(size=lengths[1])
    np.testing.assert_allclose(ops.correlate(a, v, mode=mode).numpy(), np.correlate(a, v, mode),
                               rtol=1e-5, atol=1e-6)


def test_numpy_semantics_where_keras_torch_raises():
    a, b = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(5, 4, 6))
    np.testing.assert_allclose(ops.dot(a, b).numpy(), np.dot(a, b), rtol=1e-5)
    np.testing.assert_allclose(ops.vdot(F32, F32).numpy(), np.vdot(F32, F32), rtol=1e-5)
    np.testing.assert_allclose(ops.cross(np.array([1.0, 2]), np.array([3.0, 4])).numpy(),
                               np.cross([1.0, 2, 0], [3.0, 4, 0])[2])
    np.testing.assert_allclose(ops.cross(V3.T, V3R, axisa=0, axisc=0).numpy(),
                               np.cross(V3.T, V3R, axisa=0, axisc=0), rtol=1e-5)
    np.testing.assert_allclose(ops.cross(V3[0], V3R).numpy(), np.cross(V3[0], V3R), rtol=1e-5,
                               atol=1e-6)
    # Keras's torch backend squeezes a length-1 result to 0-D; NumPy keeps shape (1,).
    assert ops.correlate([1.0, 2.0], [3.0, 4.0]).shape == (1,)
    np.testing.assert_allclose(ops.einsum("ij,j->i", F32, np.arange(4)).numpy(),
                               np.einsum("ij,j->i", F32, np.arange(4)), rtol=1e-5)
    assert ops.einsum("ij,jk->ik", np.eye(2) > 0, np.ones((2, 2)) > 0).dtype == torch.bool
    sign, logdet = ops.slogdet(np.array([[2, 0], [0, 3]]))
    np.testing.assert_allclose([sign.item(), logdet.item()], [1.0, np.log(6.0)], rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda: ops.matmul(2.0, F32), lambda: ops.cross(F32, F32),
    lambda: ops.correlate(np.ones(3), np.ones(2), mode="circular"),
    lambda: ops.tensordot(F32, F32, axes=(1, 0, 1)),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("name,args", [
    ("matmul", ((3, 4), (4, 2))), ("dot", ((2, 3, 4), (5, 4, 2))), ("tensordot", ((3, 4), (3, 4))),
    ("inner", ((2, 4), (3, 4))), ("vdot", ((4,), (4,))), ("cross", ((4, 3), (4, 3))),
])
def test_gradients_match_torch_autograd(name, args):
    a = torch.tensor(RNG.normal(size=args[0]), requires_grad=True)
    b = torch.tensor(RNG.normal(size=args[1]), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, y: getattr(ops, name)(x.float(), y.float()).double(), (a, b),
        eps=1e-3, atol=1e-2)


def test_einsum_gradient():
    x = torch.tensor(F32, requires_grad=True)
    ops.einsum("ij,kj->", x, x).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.broadcast_to(F32.sum(0), F32.shape),
                               rtol=1e-5)


def test_ops_build_a_functional_model():
    inputs = keraton.Input((3, 4))
    weights = RNG.normal(size=(4, 2)).astype("float32")
    projected = ops.matmul(inputs, weights)
    outputs = ops.einsum("bij,bik->bjk", projected, inputs)
    model = keraton.Model(inputs, outputs)
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    eager = ops.einsum("bij,bik->bjk", ops.matmul(x, weights), x)
    np.testing.assert_allclose(model.predict(x, verbose=0), eager.numpy(), rtol=1e-5)
    assert tuple(model.outputs[0].shape) == (None, 2, 4)
