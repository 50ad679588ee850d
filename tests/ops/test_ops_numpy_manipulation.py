"""keraton.ops shape, joining, splitting, indexing and sorting ops against Keras 3 on torch."""

import numpy as np
import pytest
import torch

import keraton
from keraton import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
F32 = RNG.normal(size=(3, 4)).astype("float32")
F64 = RNG.normal(size=(2, 3, 4))
I32 = RNG.integers(-5, 5, size=(3, 4)).astype("int32")
I64 = RNG.integers(0, 5, size=(4, 3))
I8 = RNG.integers(-5, 5, size=(3, 4)).astype("int8")
U8 = RNG.integers(0, 9, size=(3, 4)).astype("uint8")
B = F32 > 0
F16 = F32.astype("float16")
SQ = RNG.normal(size=(2, 4, 4)).astype("float32")


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


def assert_same(ours, theirs, rtol=1e-6, atol=0.0):
    """Values, shapes and Keras dtype names equal; tuples/lists compared item by item."""
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, rtol, atol)
        return
    if not hasattr(theirs, "dtype"):
        assert ours == theirs
        return
    assert isinstance(ours, torch.Tensor)
    assert _dtype(ours) == keras.backend.standardize_dtype(theirs.dtype)
    theirs = np.asarray(keras.ops.convert_to_numpy(theirs))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.detach().float().numpy() if ours.dtype == torch.bfloat16
                               else ours.detach().numpy(), theirs, rtol=rtol, atol=atol)


CASES = [
    ("reshape", (F32, (-1,)), {}), ("reshape", (F32, (2, -1, 2)), {}), ("reshape", (I32, 12), {}),
    ("reshape", (F64, [4, 6]), {}),
    ("transpose", (F64,), {}), ("transpose", (F64, (1, 0, 2)), {}), ("transpose", (B,), {}),
    ("expand_dims", (F32, 0), {}), ("expand_dims", (F32, -1), {}), ("expand_dims", (I8, (0, 3)), {}),
    ("squeeze", (F32[None, :, None],), {}), ("squeeze", (F32[None, :, None], (0, -2)), {}),
    ("squeeze", (F32[None], 0), {}),
    ("concatenate", ([F32, I32],), {}), ("concatenate", ([I8, U8], 1), {}),
    ("concatenate", ([I32, B],), {}), ("concatenate", ([F16, I32, F32],), {"axis": -1}),
    ("concatenate", ([[1, 2], [3.0]],), {}),
    ("append", (F32, I32), {}), ("append", (F32, F32, 0), {}),
    ("stack", ([F32, F32],), {}), ("stack", ([I32, F16], -1), {}), ("stack", ([1, 2],), {}),
    ("hstack", ([F32, I32],), {}), ("vstack", ([F32, F32],), {}), ("dstack", ([F32, I8],), {}),
    ("hstack", ([np.arange(3), np.arange(2)],), {}),
    ("split", (F64, 2, 2), {}), ("split", (F32, [1, 3], 1), {}), ("split", (F32, (2,)), {}),
    ("split", (F32, 3), {}), ("split", (F32, np.array([1])), {}),
    ("array_split", (F32, 3, 1), {}), ("array_split", (np.arange(7), 3), {}),
    ("hsplit", (F32, 2), {}), ("hsplit", (np.arange(4), 2), {}), ("vsplit", (I64, [1, 3]), {}),
    ("dsplit", (F64, 2), {}),
    ("take", (F32, np.array([2, 0])), {"axis": 1}), ("take", (F64, np.array([[1, -1]]), 2), {}),
    ("take", (I32, np.array([[0, 1], [2, 0]]), 0), {}), ("take", (F32, np.array([5, 0, 11])), {}),
    ("take", (F32, [1, 0], -1), {}),
    ("take_along_axis", (F32, np.argsort(F32, axis=1)), {"axis": 1}),
    ("take_along_axis", (F32, np.array([[0, -1, 1]]), 1), {}),
    ("take_along_axis", (F64, np.zeros((2, 1, 4), "int64"), 1), {}),
    ("tile", (F32, 2), {}), ("tile", (I32, (2, 1)), {}), ("tile", (np.arange(3), (2, 2)), {}),
    ("repeat", (F32, 2), {}), ("repeat", (I32, 3, 1), {}), ("repeat", (F32, 2, -2), {}),
    ("pad", (F32, ((1, 2), (0, 3))), {}), ("pad", (I32, ((1, 1), (2, 0))), {"constant_values": 7}),
    ("pad", (F32, ((0, 0), (2, 2))), {"mode": "reflect"}),
    ("pad", (I32, ((0, 0), (1, 2))), {"mode": "circular"}),
    ("pad", (F32, ((0, 0), (2, 1))), {"mode": "replicate"}),
    ("pad", (F64, ((0, 0), (1, 1), (0, 0))), {}), ("pad", (B, ((1, 1), (1, 1))), {}),
    ("sort", (F32,), {}), ("sort", (I32, 0), {}), ("sort", (F64, None), {}), ("sort", (B,), {}),
    ("argsort", (F32,), {}), ("argsort", (I32, 0), {}), ("argsort", (F64, None), {}),
    ("argsort", (B,), {}),
    ("flip", (F32,), {}), ("flip", (F64, 1), {}), ("flip", (F64, (0, 2)), {}),
    ("fliplr", (F32,), {}), ("flipud", (I32,), {}),
    ("roll", (F32, 1), {}), ("roll", (F64, -2, 1), {}), ("roll", (I32, (1, 2), (0, 1)), {}),
    ("broadcast_to", (np.arange(3), (2, 3)), {}), ("broadcast_to", (F32[:1], [2, 3, 4]), {}),
    ("tril", (F32,), {}), ("tril", (SQ, -1), {}), ("triu", (I32, 1), {}), ("triu", (B,), {}),
    ("moveaxis", (F64, 0, -1), {}), ("moveaxis", (F64, [0, 1], [-1, -2]), {}),
    ("swapaxes", (F64, 0, 2), {}), ("ravel", (F64,), {}), ("copy", (I8,), {}),
    ("diag", (np.arange(3), 1), {}), ("diag", (F32, -1), {}), ("diagflat", (I32[:2], 1), {}),
    ("diagonal", (F64,), {}), ("diagonal", (F64, 1, 1, 2), {}), ("diagonal", (SQ, -1, -1, -2), {}),
    ("trace", (F32,), {}), ("trace", (I8,), {}), ("trace", (B,), {}), ("trace", (I64,), {}),
    ("trace", (F64, 1, 1, 2), {}), ("trace", (U8,), {}),
    ("diff", (F32,), {}), ("diff", (I32, 2, 0), {}), ("diff", (B,), {}),
    ("rot90", (F32,), {}), ("rot90", (F64, 3, (1, 2)), {}), ("rot90", (I32, -1), {}),
    ("meshgrid", (np.arange(2.0), np.arange(3.0)), {}),
    ("meshgrid", (np.arange(2), np.arange(3), np.arange(4)), {"indexing": "ij"}),
    ("meshgrid", (np.arange(2), np.arange(3), np.arange(4)), {"indexing": "xy"}),
    ("searchsorted", (np.array([1.0, 2, 3]), np.array([2.0, 0.5, 9])), {}),
    ("searchsorted", ([1, 2, 3], [2]), {"side": "right"}),
    ("searchsorted", (np.array([1, 2, 3]), np.array([2.5])), {}),
    ("unravel_index", (np.array([5, 2]), (2, 3)), {}), ("unravel_index", (7, (3, 4)), {}),
    ("unravel_index", (np.array([5, 2], "int64"), (2, 3)), {}),
    ("view", (F32, "int32"), {}), ("view", (F16, "int16"), {}),
    ("ndim", (F64,), {}), ("size", (F64,), {}),
    ("get_item", (torch.tensor(F32), (slice(None), 1)), {}), ("get_item", (torch.tensor(F64), 1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(name, args, kwargs):
    assert_same(getattr(ops, name)(*args, **kwargs), getattr(keras.ops, name)(*args, **kwargs))


UNIQUE_INPUT = np.array([3, 1, 2, 3, 1, 5], dtype="int32")


@pytest.mark.parametrize("kwargs", [
    {}, {"return_index": True, "return_inverse": True, "return_counts": True},
    {"return_inverse": True}, {"return_counts": True}, {"size": 6, "fill_value": -1},
    {"size": 6, "return_index": True, "return_counts": True}, {"size": 2, "return_counts": True},
])
def test_unique_matches_keras(kwargs):
    assert_same(ops.unique(UNIQUE_INPUT, **kwargs), keras.ops.unique(UNIQUE_INPUT, **kwargs))


def test_unique_along_axis_and_2d():
    rows = np.array([[1, 2], [1, 2], [0, 1]])
    assert_same(ops.unique(rows, axis=0, return_inverse=True, return_index=True),
                keras.ops.unique(rows, axis=0, return_inverse=True, return_index=True))
    assert_same(ops.unique(rows, return_inverse=True), keras.ops.unique(rows, return_inverse=True))
    assert_same(ops.unique([1.0, 2.0, 2.0]), keras.ops.unique([1.0, 2.0, 2.0]))


def test_take_negative_indices_count_from_the_flat_end():
    # Keras's torch backend counts them from the end of axis 0 here; NumPy/JAX and keraton do not.
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(ops.take(x, np.array([[-1, 0]])).numpy(),
                                  np.take(x, [[-1, 0]]))
    np.testing.assert_array_equal(ops.take_along_axis(x, np.array([-1, 0])).numpy(),
                                  np.take_along_axis(x.ravel(), np.array([-1, 0]), axis=None))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("pad_width", [((1, 2), (3, 0)), ((5, 4), (7, 6)), 2, (1, 3), ((2,),),
                                       [[1, 0], [0, 1]]])
def test_pad_follows_numpy_on_every_axis(mode, pad_width):
    x = np.arange(12.0).reshape(3, 4).astype("float32")
    np.testing.assert_array_equal(ops.pad(x, pad_width, mode=mode).numpy(),
                                  np.pad(x, pad_width, mode=mode))


def test_pad_reflect_on_leading_axis_of_4d_and_int_dtype():
    x = np.arange(16).reshape(2, 2, 2, 2).astype("int32")
    out = ops.pad(x, ((1, 1), (0, 0), (0, 0), (2, 0)), mode="reflect")
    assert _dtype(out) == "int32"
    np.testing.assert_array_equal(out.numpy(), np.pad(x, ((1, 1), (0, 0), (0, 0), (2, 0)),
                                                      mode="reflect"))


@pytest.mark.parametrize("call,error", [
    (lambda: ops.pad(F32, 1, mode="reflect", constant_values=3), ValueError),
    (lambda: ops.pad(F32, 1, mode="foo"), ValueError),
    (lambda: ops.pad(F32, 1, mode="median"), NotImplementedError),
    (lambda: ops.pad(F32, ((1, 1), (1, 1), (1, 1))), ValueError),
    (lambda: ops.reshape(F32, (-1, -1)), ValueError),
    (lambda: ops.reshape(F32, (5, -1)), ValueError),
    (lambda: ops.split(F32, 2), ValueError),
    (lambda: ops.array_split(F32, [1, 2]), TypeError),
    (lambda: ops.array_split(F32, 0), ValueError),
    (lambda: ops.squeeze(F32, 0), ValueError),
    (lambda: ops.diagonal(F32, 0, 1, -1), ValueError),
    (lambda: ops.rot90(np.arange(3)), ValueError),
    (lambda: ops.rot90(F32, axes=(1, 1)), ValueError),
    (lambda: ops.searchsorted(F32, F32), ValueError),
    (lambda: ops.argpartition(np.arange(4), 4), ValueError),
    (lambda: ops.take(F32, np.array([20])), IndexError),
    (lambda: ops.vectorize(3), ValueError),
    (lambda: ops.meshgrid(np.arange(2), indexing="yx"), ValueError),
])
def test_bad_input_raises(call, error):
    with pytest.raises(error):
        call()


def test_split_follows_numpy_for_unsorted_and_empty_indices():
    x = np.arange(10)
    for cuts in ([3, 1], [2, 20], [], [-3]):
        ours = ops.split(x, cuts)
        assert isinstance(ours, list)
        for o, t in zip(ours, np.split(x, cuts), strict=True):
            np.testing.assert_array_equal(o.numpy(), t)


def test_nonzero_returns_int32_index_per_axis():
    x = np.array([[0, 2, 0], [3, 0, 4]])
    result = ops.nonzero(x)
    assert isinstance(result, tuple) and len(result) == 2
    for ours, expected in zip(result, np.nonzero(x)):
        assert _dtype(ours) == "int32"
        np.testing.assert_array_equal(ours.numpy(), expected)
    np.testing.assert_array_equal(np.stack([r.numpy() for r in result]),
                                  keras.ops.nonzero(x).numpy())


@pytest.mark.parametrize("x", [np.array([3.5, 1.2, 1.1, 0.0, 2.2]), RNG.normal(size=(3, 6))])
@pytest.mark.parametrize("kth", [0, 2, -1])
def test_argpartition_partitions(x, kth):
    out = ops.argpartition(x, kth)
    assert _dtype(out) == "int32"
    taken = np.take_along_axis(x, out.numpy().astype("int64"), axis=-1)
    pivot = np.sort(x, axis=-1)[..., kth]
    np.testing.assert_array_equal(taken[..., kth], pivot)
    k = kth % x.shape[-1]
    assert np.all(taken[..., :k] <= pivot[..., None]) and np.all(taken[..., k:] >= pivot[..., None])


def test_repeat_with_counts_per_element():
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(ops.repeat(x, [1, 2], axis=0).numpy(), np.repeat(x, [1, 2], 0))
    np.testing.assert_array_equal(ops.repeat(x, [1, 0, 2, 1, 1, 1]).numpy(),
                                  np.repeat(x, [1, 0, 2, 1, 1, 1]))


def test_meshgrid_keeps_each_dtype_and_view_none_keeps_dtype():
    grids = ops.meshgrid(np.arange(2), np.arange(3.0))
    for ours, expected in zip(grids, np.meshgrid(np.arange(2), np.arange(3.0)), strict=True):
        assert ours.dtype == torch.from_numpy(expected).dtype
        np.testing.assert_array_equal(ours.numpy(), expected)
    # Keras's torch backend reinterprets as floatx for dtype=None; NumPy and JAX keep the dtype.
    assert ops.view(I32).dtype == torch.int32


def test_concatenate_axis_none_flattens():
    np.testing.assert_array_equal(ops.concatenate([F32, F32], axis=None).numpy(),
                                  np.concatenate([F32, F32], axis=None))


@pytest.mark.parametrize("signature,args", [
    (None, (np.arange(3.0), np.arange(3.0)[:, None])),
    ("(n),(n)->()", (RNG.normal(size=(2, 4)), RNG.normal(size=(4,)))),
])
def test_vectorize_matches_keras(signature, args):
    def fn(a, b):
        return (a * b).sum() if signature else a + 2 * b

    assert_same(ops.vectorize(fn, signature=signature)(*args),
                keras.ops.vectorize(fn, signature=signature)(*args))


def test_vectorize_excluded_argument():
    scaled = ops.vectorize(lambda a, scale: a * scale, excluded={1})
    np.testing.assert_allclose(scaled(np.arange(3.0), 2.0).numpy(), [0.0, 2.0, 4.0])


def test_gradients_flow_through_shape_and_index_ops():
    x = torch.tensor(F32, requires_grad=True)
    parts = ops.split(ops.pad(x, ((1, 1), (2, 2)), mode="reflect"), 5, axis=0)
    y = ops.take(ops.concatenate([parts[0], parts[-1]], axis=1), np.array([-1, 0]), axis=1)
    ops.transpose(ops.tile(ops.flip(y, 0), (1, 2))).sum().backward()
    # The same computation in NumPy terms, differentiated by hand through index counts.
    padded = np.pad(np.arange(12).reshape(3, 4), ((1, 1), (2, 2)), mode="reflect")
    joined = np.concatenate([padded[:1], padded[-1:]], axis=1)
    picked = joined[:, [-1, 0]]
    expected = np.bincount(picked.ravel(), minlength=12).reshape(3, 4) * 2.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_ops_build_a_functional_model():
    inputs = keraton.Input((3, 4))
    swapped = ops.transpose(inputs, (0, 2, 1))
    rows = ops.reshape(swapped, (-1, 12))
    outputs = ops.concatenate([ops.flip(rows, 1), ops.take(rows, np.array([0, -1]), axis=1)],
                              axis=1)
    model = keraton.Model(inputs, outputs)
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    eager = ops.concatenate([ops.flip(ops.reshape(ops.transpose(x, (0, 2, 1)), (-1, 12)), 1),
                             ops.take(ops.reshape(ops.transpose(x, (0, 2, 1)), (-1, 12)),
                                      np.array([0, -1]), axis=1)], axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), eager.numpy(), rtol=1e-6)
    assert tuple(model.outputs[0].shape) == (None, 14)
