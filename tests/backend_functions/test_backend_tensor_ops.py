"""Keras 2 backend tensor functions (``K.mean``, ``K.dot``, ``K.batch_dot``...) on torch tensors."""

import numpy as np
import pytest
import torch

from keraton import backend as K

X = np.arange(24, dtype="float32").reshape(2, 3, 4) / 7.0 - 1.0


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), [1]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, axis, keepdims):
    np_fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
             "var": np.var, "std": np.std}[name]
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    expected = np_fn(X, axis=np_axis, keepdims=keepdims)
    got = getattr(K, name)(torch.tensor(X), axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_mean_of_bool_and_int_is_float():
    assert K.mean(torch.tensor([True, False, True, True])).item() == pytest.approx(0.75)
    assert K.mean(torch.tensor([1, 2])).dtype == torch.float32


@pytest.mark.parametrize("name, np_fn", [
    ("square", np.square), ("abs", np.abs), ("exp", np.exp), ("sign", np.sign),
    ("log", lambda a: np.log(np.abs(a) + 1)),
])
def test_elementwise_match_numpy(name, np_fn):
    x = np.abs(X) + 1 if name == "log" else X
    np.testing.assert_allclose(getattr(K, name)(torch.tensor(x)).numpy(),
                               np_fn(X) if name == "log" else np_fn(x), rtol=1e-6)


def test_sqrt_clips_negatives_to_zero():
    np.testing.assert_allclose(K.sqrt(torch.tensor([-4.0, 0.0, 9.0])).numpy(), [0.0, 0.0, 3.0])


@pytest.mark.parametrize("lo, hi, expected", [
    (0.0, 1.0, [0.0, 0.5, 1.0]),
    (None, 1.0, [-2.0, 0.5, 1.0]),
    (0.0, None, [0.0, 0.5, 3.0]),
    (1.0, 0.0, [1.0, 1.0, 1.0]),  # max below min is raised to min, as Keras 2
])
def test_clip(lo, hi, expected):
    np.testing.assert_allclose(K.clip(torch.tensor([-2.0, 0.5, 3.0]), lo, hi).numpy(), expected)


def test_maximum_minimum_accept_numbers_and_tensors():
    x = torch.tensor([-1.0, 2.0])
    np.testing.assert_allclose(K.maximum(x, 0.0).numpy(), [0.0, 2.0])
    np.testing.assert_allclose(K.minimum(x, torch.tensor([0.0, 1.0])).numpy(), [-1.0, 1.0])


@pytest.mark.parametrize("axis", [None, -1, 0, (1, 2)])
def test_l2_normalize(axis):
    np_axis = axis if axis is not None else tuple(range(X.ndim))
    expected = X / np.sqrt(np.maximum(np.sum(X ** 2, axis=np_axis, keepdims=True), 1e-12))
    np.testing.assert_allclose(K.l2_normalize(torch.tensor(X), axis=axis).numpy(), expected,
                               rtol=1e-5)


@pytest.mark.parametrize("x_shape, y_shape, expected_shape", [
    ((2, 3), (3, 4), (2, 4)),
    ((2, 3, 4), (4, 5), (2, 3, 5)),
    ((2, 3), (4, 3, 5), (2, 4, 5)),  # Theano-style dot: x's last axis with y's second-to-last
])
def test_dot_shapes_and_values(x_shape, y_shape, expected_shape):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=x_shape).astype("float32"), rng.normal(size=y_shape).astype("float32")
    got = K.dot(torch.tensor(x), torch.tensor(y)).numpy()
    expected = np.tensordot(x, y, axes=([x.ndim - 1], [y.ndim - 2]))
    assert got.shape == expected_shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def _batch_dot_reference(x, y, a0, a1):
    return np.stack([np.tensordot(x[i], y[i], axes=([a0 - 1], [a1 - 1])) for i in range(len(x))])


@pytest.mark.parametrize("x_shape, y_shape, axes, expected_shape", [
    ((32, 20), (32, 20), 1, (32, 1)),             # Keras 2 docstring example
    ((32, 20), (32, 20), None, (32, 1)),
    ((32, 20, 1), (32, 30, 20), (1, 2), (32, 1, 30)),  # Keras 2 docstring example
    ((4, 3, 5), (4, 5, 6), None, (4, 3, 6)),       # batched matmul by default
    ((4, 3, 5), (4, 5), None, (4, 3)),
    ((4, 2, 3, 5), (4, 5, 6), None, (4, 2, 3, 6)),
])
def test_batch_dot(x_shape, y_shape, axes, expected_shape):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=x_shape).astype("float32"), rng.normal(size=y_shape).astype("float32")
    got = K.batch_dot(torch.tensor(x), torch.tensor(y), axes=axes).numpy()
    assert got.shape == expected_shape
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    expected = _batch_dot_reference(x, y, a0, a1).reshape(expected_shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("x_shape, y_shape, axes, message", [
    ((3,), (3, 2), None, "rank >= 2"),
    ((3, 2), (4, 2), None, "same batch size"),
    ((3, 2), (3, 2), 0, "batch axis"),
    ((3, 2, 4), (3, 5, 6), None, r"x.shape\[2\] != y.shape\[1\]"),
])
def test_batch_dot_bad_input(x_shape, y_shape, axes, message):
    with pytest.raises(ValueError, match=message):
        K.batch_dot(torch.zeros(x_shape), torch.zeros(y_shape), axes=axes)


def test_shape_functions():
    x = torch.tensor(X)
    assert K.shape(x)[0] == 2 and tuple(K.shape(x)) == (2, 3, 4)
    assert K.int_shape(x) == (2, 3, 4)
    assert K.ndim(x) == 3 and K.ndim(X) == 3
    assert K.reshape(x, (K.shape(x)[0], -1)).shape == (2, 12)
    assert K.permute_dimensions(x, (2, 0, 1)).shape == (4, 2, 3)
    assert K.expand_dims(x).shape == (2, 3, 4, 1)
    assert K.expand_dims(x, 0).shape == (1, 2, 3, 4)
    assert K.squeeze(K.expand_dims(x, 1), 1).shape == (2, 3, 4)
    assert K.batch_flatten(x).shape == (2, 12)
    assert K.concatenate([x, x], axis=1).shape == (2, 6, 4)
    assert K.concatenate([x, x]).shape == (2, 3, 8)
    assert K.stack([x, x], axis=1).shape == (2, 2, 3, 4)
    np.testing.assert_array_equal(K.repeat_elements(torch.tensor([[1, 2]]), 2, axis=1).numpy(),
                                  [[1, 1, 2, 2]])
    assert K.repeat(torch.zeros(2, 5), 3).shape == (2, 3, 5)
    with pytest.raises(ValueError, match="size 1"):
        K.squeeze(x, 1)


def test_cast_and_creation():
    assert K.cast(torch.tensor([1.7]), "int32").dtype == torch.int32
    assert K.cast(np.array([1, 2]), "float32").dtype == torch.float32
    assert K.zeros_like(torch.ones(2, dtype=torch.int64)).dtype == torch.int64
    np.testing.assert_array_equal(K.ones_like(torch.zeros(2, 2), dtype="int32").numpy(), [[1, 1], [1, 1]])
    np.testing.assert_array_equal(K.constant(2.0, shape=(2, 2)).numpy(), [[2.0, 2.0], [2.0, 2.0]])
    assert K.constant([1, 2]).dtype == torch.float32  # floatx, as K.constant
    v = K.variable(np.ones((2, 3)))
    assert isinstance(v, torch.nn.Parameter) and v.dtype == torch.float32 and v.requires_grad
    np.testing.assert_array_equal(K.one_hot(torch.tensor([0, 2]), 3).numpy(),
                                  [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(K.arange(2, 5).numpy(), [2, 3, 4])


def test_random_functions_are_seeded_and_distributed():
    a = K.random_normal((2000,), mean=1.0, stddev=2.0, seed=3)
    b = K.random_normal((2000,), mean=1.0, stddev=2.0, seed=3)
    assert torch.equal(a, b)
    assert a.mean().item() == pytest.approx(1.0, abs=0.15)
    assert a.std().item() == pytest.approx(2.0, abs=0.15)
    u = K.random_uniform((2000,), minval=-1.0, maxval=3.0, seed=1)
    assert u.min().item() >= -1.0 and u.max().item() < 3.0
    assert u.mean().item() == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("name", ["square", "sqrt", "abs", "exp", "maximum", "minimum",
                                  "mean", "sum", "stack"])
def test_matches_keras3_ops(name):
    keras = pytest.importorskip("keras")
    x = np.abs(X) + 0.5
    args = {"maximum": (x, x[::-1]), "minimum": (x, x[::-1].copy()),
            "stack": ([x, x],)}.get(name, (x,))
    expected = keras.ops.convert_to_numpy(getattr(keras.ops, name)(*args))
    # NumPy inputs (a reversed view for maximum) are accepted as Keras 2's K functions do.
    got = getattr(K, name)(*[[torch.tensor(a) for a in arg] if isinstance(arg, list)
                             else arg for arg in args])
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
