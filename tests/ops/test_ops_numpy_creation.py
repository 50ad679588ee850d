"""keraton.ops tensor-creation ops against Keras 3 on torch (values and dtypes)."""

import numpy as np
import pytest
import torch

import keraton
from keraton import ops

keras = pytest.importorskip("keras")

I64 = np.arange(6).reshape(2, 3)
F64 = np.linspace(-1, 1, 6).reshape(3, 2)
I8 = np.ones((2, 2), "int8")


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


def assert_same(ours, theirs, rtol=1e-6, atol=0.0):
    """Values, shapes and Keras dtype names equal; tuples compared item by item."""
    if isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, rtol, atol)
        return
    if not hasattr(theirs, "dtype"):
        np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol)
        return
    assert isinstance(ours, torch.Tensor)
    assert _dtype(ours) == keras.backend.standardize_dtype(theirs.dtype)
    theirs = np.asarray(keras.ops.convert_to_numpy(theirs))
    assert tuple(ours.shape) == theirs.shape
    np.testing.assert_allclose(ours.float().numpy() if ours.dtype == torch.bfloat16
                               else ours.numpy(), theirs.astype(ours.float().numpy().dtype)
                               if ours.dtype == torch.bfloat16 else theirs, rtol=rtol, atol=atol)


CASES = [
    ("zeros", ((2, 3),), {}), ("zeros", ([4],), {"dtype": "int32"}), ("zeros", (3,), {}),
    ("ones", ((2,),), {"dtype": "int"}), ("ones", ((1, 2),), {"dtype": "bool"}),
    ("ones", ((2, 2),), {"dtype": "bfloat16"}),
    ("zeros_like", ([1, 2],), {}), ("zeros_like", (F64,), {"dtype": "float16"}),
    ("ones_like", ([1.0, 2.0],), {}), ("ones_like", (F64,), {"dtype": "int8"}),
    ("ones_like", (I8,), {}),
    ("full", ((2, 3), 3), {}), ("full", ((2,), 3.5), {}), ("full", ((2,), True), {}),
    ("full", ((2,), 7), {"dtype": "int64"}), ("full", ((2, 3), [1, 2, 3]), {}),
    ("full", ((2, 2), np.array([1, 2])), {"dtype": "int32"}), ("full", ((2,), 1), {"dtype": "bool"}),
    ("full_like", (I64, 3.5), {}), ("full_like", (F64, 2), {}),
    ("full_like", (I64, 2.5), {"dtype": "float16"}), ("full_like", (F64, [1, 2]), {}),
    ("arange", (5,), {}), ("arange", (0.0, 5), {}), ("arange", (1, 10, 3), {}),
    ("arange", (0, 1, 0.25), {}), ("arange", (5, 0, -2), {}), ("arange", (np.int64(3),), {}),
    ("arange", (np.float64(3),), {}), ("arange", (0, 5, 2), {"dtype": "float16"}),
    ("arange", (torch.tensor(4),), {}), ("arange", (0.5, 3), {"dtype": "int32"}),
    ("arange", (torch.tensor(3.0, dtype=torch.float64),), {}),
    ("array", ([1, 2],), {}), ("array", ([1.0, 2],), {}), ("array", (F64,), {}),
    ("array", ([[1, 2]],), {"dtype": "float16"}), ("array", ([True],), {}),
    ("eye", (3,), {}), ("eye", (3, 4, 1), {}), ("eye", (4, 3, -2), {}), ("eye", (2, 3, 5), {}),
    ("eye", (2,), {"dtype": "bfloat16"}), ("eye", (2,), {"dtype": "int32"}),
    ("identity", (3,), {}), ("identity", (2,), {"dtype": "bool"}),
    ("tri", (3,), {}), ("tri", (3, 2, -1), {}), ("tri", (2, 4, 1), {"dtype": "int32"}),
    ("linspace", (0, 1, 5), {}), ("linspace", (0, 1), {"num": 4, "endpoint": False}),
    ("linspace", (0, 10, 4), {"dtype": "int32"}), ("linspace", (0, 5, 3), {}),
    ("linspace", (-2.0, 3.0, 6), {"retstep": True}),
    ("linspace", (np.array([0.0, 1.0]), np.array([1.0, 3.0]), 3), {}),
    ("linspace", (np.array([0.0, 1.0]), np.array([1.0, 3.0]), 3), {"endpoint": False}),
    ("linspace", (np.float64(0), 1, 3), {}), ("linspace", (torch.tensor(0), torch.tensor(4), 3), {}),
    ("linspace", (2.0, 3.0, 0), {}), ("linspace", (2.0, 3.0, 1), {}),
    ("linspace", (1, 2, 3), {"dtype": "float64"}),
    ("logspace", (0, 2, 3), {}), ("logspace", (0, 2, 4), {"base": 2, "endpoint": False}),
    ("logspace", (0, 2, 3), {"dtype": "int32"}), ("logspace", (0.0, 1.0, 5), {"dtype": "float16"}),
    ("logspace", (np.array([0.0, 1.0]), np.array([1.0, 3.0]), 3), {}),
    ("geomspace", (1, 1000, 4), {}), ("geomspace", (-1, -1000, 4), {}),
    ("geomspace", (1, 1000, 3), {"endpoint": False}), ("geomspace", (2.0, 50.0, 7), {}),
    ("vander", (np.arange(1, 4),), {}), ("vander", (np.arange(3.0),), {"N": 4}),
    ("vander", (np.array([2, 3], "int32"),), {"increasing": True}),
    ("bartlett", (5,), {}), ("blackman", (6,), {}), ("hamming", (5,), {}), ("hanning", (7,), {}),
    ("hamming", (1,), {}), ("hanning", (0,), {}), ("kaiser", (5, 2.5), {}), ("kaiser", (4, 0.0), {}),
    ("hamming", (torch.tensor(5),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(name, args, kwargs):
    atol = 1e-6 if name in ("blackman", "geomspace", "logspace") else 0.0
    assert_same(getattr(ops, name)(*args, **kwargs), getattr(keras.ops, name)(*args, **kwargs),
                rtol=1e-3 if kwargs.get("dtype") == "float16" else 1e-6, atol=atol)


@pytest.mark.parametrize("name", ["empty", "empty_like"])
def test_empty_shapes_and_dtypes(name):
    args = ((2, 3),) if name == "empty" else (I8,)
    for dtype in (None, "int16"):
        ours, theirs = getattr(ops, name)(*args, dtype=dtype), getattr(keras.ops, name)(*args,
                                                                                       dtype=dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert _dtype(ours) == keras.backend.standardize_dtype(theirs.dtype)


@pytest.mark.parametrize("kwargs", [{}, {"endpoint": False}, {"num": 1}, {"axis": 1},
                                    {"axis": -1, "retstep": True}])
def test_linspace_with_arrays_follows_numpy(kwargs):
    start, stop = np.array([0.0, 1.0, -2.0]), np.array([[1.0], [3.0]])
    kwargs = {"num": 5, **kwargs}
    ours = ops.linspace(start, stop, **kwargs)
    expected = np.linspace(start, stop, **kwargs)
    if kwargs.get("retstep"):
        np.testing.assert_allclose(ours[1].numpy(), expected[1], rtol=1e-6)
        ours, expected = ours[0], expected[0]
    assert _dtype(ours) == "float32"
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6, atol=1e-7)


def test_geomspace_axis_and_exact_ends():
    out = ops.geomspace(np.array([1.0, 2.0]), np.array([1000.0, 32.0]), 4, axis=1)
    np.testing.assert_allclose(out.numpy(), np.geomspace([1.0, 2.0], [1000.0, 32.0], 4, axis=1),
                               rtol=1e-6)
    assert out[0, -1].item() == 1000.0


def test_creation_follows_floatx():
    keraton.backend.set_floatx("float64")
    keras.config.set_floatx("float64")
    try:
        assert ops.zeros((2,)).dtype == torch.float64
        assert ops.eye(2).dtype == torch.float64
        # Keras narrows promoted 64-bit types to 32 bits, floatx or not.
        assert ops.arange(0.0, 2).dtype == keras.ops.arange(0.0, 2).dtype == torch.float32
        assert ops.full((1,), 2).dtype == torch.float64
    finally:
        keraton.backend.set_floatx("float32")
        keras.config.set_floatx("float32")


@pytest.mark.parametrize("call,error", [
    (lambda: ops.eye(2.0), TypeError),
    (lambda: ops.eye(2, 3.0), TypeError),
    (lambda: ops.vander(np.ones((2, 2))), ValueError),
    (lambda: ops.vander(np.ones(2), N=2.0), TypeError),
    (lambda: ops.vander(np.ones(2), N=-1), ValueError),
    (lambda: ops.vander(np.ones(2), increasing=1), TypeError),
    (lambda: ops.hamming(-1), ValueError),
])
def test_bad_input_raises(call, error):
    with pytest.raises(error):
        call()


def test_gradients_reach_fill_values_and_linspace_ends():
    fill = torch.tensor([1.0, 2.0], requires_grad=True)
    ops.full((3, 2), fill).sum().backward()
    np.testing.assert_allclose(fill.grad.numpy(), [3.0, 3.0])
    start = torch.tensor([0.0, 1.0], requires_grad=True)
    ops.linspace(start, torch.tensor([2.0, 2.0]), 5, endpoint=False).sum().backward()
    # d/dstart of sum_k (start + k/5 (stop - start)), k = 0..4, is 5 - 10/5 = 3.
    np.testing.assert_allclose(start.grad.numpy(), [3.0, 3.0])


def test_ops_build_a_functional_model():
    inputs = keraton.Input((3,))
    outputs = ops.ones_like(inputs) + ops.zeros_like(inputs, dtype="float32") + \
        ops.full_like(inputs, 2.0) * inputs
    model = keraton.Model(inputs, outputs)
    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), 1.0 + 2.0 * x, rtol=1e-6)
