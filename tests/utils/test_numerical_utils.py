"""keraton.utils.numerical_utils (to_categorical, normalize) against Keras 3 and by hand."""

import numpy as np
import pytest
import torch

from keraton.utils.numerical_utils import normalize, to_categorical


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def test_to_categorical_by_hand():
    out = to_categorical([0, 2, 1, 2])
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize(
    "y,num_classes,shape",
    [
        ([0, 1, 2, 3], None, (4, 4)),
        ([1, 3], 6, (2, 6)),
        (np.array([[1], [0], [2]]), None, (3, 3)),  # (n, 1) -> (n, C)
        (np.array([[1, 2], [0, 1]]), 4, (2, 2, 4)),
        (np.array([[[1], [2]], [[0], [3]]]), None, (2, 2, 4)),
        (np.array(2), 3, (3,)),
        (np.array([4]), None, (1, 5)),
    ],
)
def test_to_categorical_matches_keras(y, num_classes, shape):
    keras = pytest.importorskip("keras")
    ours = to_categorical(y, num_classes)
    theirs = keras.utils.to_categorical(np.asarray(y), num_classes)
    assert ours.shape == shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "uint8"])
def test_to_categorical_dtype(dtype):
    out = to_categorical([1, 0], 2, dtype=dtype)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, [[0, 1], [1, 0]])


def test_to_categorical_torch_in_torch_out():
    out = to_categorical(torch.tensor([[2], [0]]), 3)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    assert out.tolist() == [[0, 0, 1], [1, 0, 0]]


def test_to_categorical_float_labels_that_are_integers():
    np.testing.assert_array_equal(to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])


@pytest.mark.parametrize("y,num_classes", [([0, 3], 3), ([-1, 1], 3), ([0.5, 1], 3)])
def test_to_categorical_bad_labels(y, num_classes):
    with pytest.raises(ValueError):
        to_categorical(y, num_classes)


X = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 2.0]])


def test_normalize_by_hand():
    out = normalize(X)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [[0.6, 0.8, 0.0], [0, 0, 0], [1 / 3, -2 / 3, 2 / 3]])
    np.testing.assert_allclose(normalize(X, order=1)[0], [3 / 7, 4 / 7, 0])


def test_normalize_axis0_by_hand():
    # (Keras's own NumPy path mis-broadcasts axis=0; ours divides by per-column norms.)
    out = normalize(X, axis=0)
    np.testing.assert_allclose(out, X / np.linalg.norm(X, axis=0, keepdims=True))
    out3 = normalize(np.ones((2, 3)), axis=0)
    np.testing.assert_allclose(out3, np.full((2, 3), 1 / np.sqrt(2)))


def test_normalize_axis_none():
    np.testing.assert_allclose(normalize(X, axis=None), X / np.linalg.norm(X.reshape(-1)))


@pytest.mark.parametrize(
    "shape,axis,order",
    [((4, 5), -1, 2), ((4, 5), 1, 2), ((4, 5), -1, 1), ((4, 5), 1, 3), ((6,), -1, 2),
     ((3, 4, 5), 1, 2), ((3, 4, 5), -1, 1), ((3, 4, 5), 2, 2)],
)
def test_normalize_numpy_matches_keras(shape, axis, order):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=shape)
    x.flat[0] = 0.0
    ours = normalize(x, axis=axis, order=order)
    theirs = keras.utils.normalize(x, axis=axis, order=order)
    assert isinstance(ours, np.ndarray)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("axis,order", [(-1, 2), (0, 2), (1, 1), (-1, 3)])
def test_normalize_torch_matches_keras(axis, order):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    x[0] = 0.0  # a zero row stays zero (epsilon guard)
    ours = normalize(torch.tensor(x), axis=axis, order=order)
    assert isinstance(ours, torch.Tensor)
    theirs = keras.utils.normalize(keras.ops.convert_to_tensor(x), axis=axis, order=order)
    np.testing.assert_allclose(_np(ours), _np(theirs.cpu()), rtol=1e-5, atol=1e-7)
    assert torch.isfinite(ours).all()
