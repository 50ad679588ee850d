"""HashedCrossing: Keras's published bins (its tests need TensorFlow) and a pure-Python TensorFlow cross hash."""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.preprocessing.hash_functions import fingerprint64
from keraton.layers.preprocessing.hashed_crossing import HashedCrossing

MASK = (1 << 64) - 1
MUL = 0xC6A4A7935BD1E995


def reference_bin(values, num_bins):
    """TensorFlow's SparseCrossHashed for one sample, on Python ints: FingerprintCat64 chained from the key."""

    def shift_mix(v):
        return v ^ (v >> 47)

    out = 0xDECAFCAFFE
    for value in values:
        h = fingerprint64(value.encode() if isinstance(value, str) else value) if isinstance(value, (str, bytes)) \
            else int(value) & MASK
        r = out ^ MUL
        r ^= (shift_mix((h * MUL) & MASK) * MUL) & MASK
        r = (r * MUL) & MASK
        r = (shift_mix(r) * MUL) & MASK
        out = shift_mix(r)
    return out % num_bins


FEAT1 = np.array(["A", "B", "A", "B", "A"])
FEAT2 = np.array([101, 101, 101, 102, 102])


def test_keras_published_values():
    # keras/src/layers/preprocessing/hashed_crossing_test.py (run there on TensorFlow).
    np.testing.assert_array_equal(HashedCrossing(num_bins=5)((FEAT1, FEAT2)).numpy(), [1, 4, 1, 1, 3])
    one_hot = HashedCrossing(num_bins=5, output_mode="one_hot")((FEAT1[:, None], FEAT2[:, None]))
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])
    assert one_hot.dtype == torch.float32
    scalar = HashedCrossing(num_bins=10)((np.array("A"), np.array(101)))
    assert scalar.shape == () and int(scalar) == 1


@pytest.mark.parametrize("features", [
    [np.array([3, -7, 2**40, 0]), np.array([1, 1, 5, -1], dtype="int32")],
    [np.array(["x", "héllo", "", "x"]), np.array([b"a", b"b", b"c", b"d"]), np.array([9, 8, 7, 6])],
    [torch.tensor([4, 5, 6, 7]), np.array(["p", "q", "r", "s"])],
])
def test_bins_equal_tensorflow_cross_hash(features):
    out = HashedCrossing(num_bins=13)(features)
    rows = zip(*[f.tolist() for f in features])
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.numpy(), [reference_bin(row, 13) for row in rows])


@pytest.mark.parametrize("output_mode,shape,expected", [
    ("int", (), ()), ("int", (4,), (4,)), ("int", (4, 1), (4, 1)),
    ("one_hot", (), (1, 6)), ("one_hot", (4,), (4, 6)), ("one_hot", (4, 1), (4, 6)),
])
def test_output_shapes(output_mode, shape, expected):
    layer = HashedCrossing(num_bins=6, output_mode=output_mode)
    data = np.arange(int(np.prod(shape))).reshape(shape)
    out = layer((data, data + 1))
    assert tuple(out.shape) == expected
    if shape:
        assert layer.compute_output_shape([shape, shape]) == expected


@pytest.mark.parametrize("dtype,output_mode,torch_dtype", [
    ("int32", "int", torch.int32), ("float64", "one_hot", torch.float64)])
def test_dtype(dtype, output_mode, torch_dtype):
    out = HashedCrossing(num_bins=3, output_mode=output_mode, dtype=dtype)((np.array([1]), np.array([1])))
    assert out.dtype == torch_dtype


def test_functional_model_and_config():
    a, b = keraton.Input((1,), dtype="int64"), keraton.Input((1,), dtype="int64")
    layer = HashedCrossing(num_bins=4, output_mode="one_hot", name="cross")
    model = keraton.Model([a, b], layer([a, b]))
    assert model.output_shape == (None, 4)
    x1, x2 = np.array([[1], [2], [3]]), np.array([[7], [8], [9]])
    expected = np.eye(4, dtype="float32")[[reference_bin(r, 4) for r in zip([1, 2, 3], [7, 8, 9])]]
    np.testing.assert_array_equal(model.predict([x1, x2], verbose=0), expected)
    config = layer.get_config()
    assert {k: config[k] for k in ("num_bins", "output_mode", "sparse", "name")} == \
        {"num_bins": 4, "output_mode": "one_hot", "sparse": False, "name": "cross"}
    # Keras's own config (no base keys, dtype a plain string) rebuilds the layer too.
    keras_config = {"num_bins": 4, "output_mode": "int", "sparse": False, "name": "k", "dtype": "int64"}
    rebuilt = HashedCrossing.from_config(keras_config)
    assert rebuilt.get_config()["num_bins"] == 4 and rebuilt((x1, x2)).dtype == torch.int64


@pytest.mark.parametrize("make,inputs,match", [
    (dict(num_bins=5), np.array([1]), "should be called on a list or tuple"),
    (dict(num_bins=5), [np.array([1])], "at least two inputs"),
    (dict(num_bins=5), (np.array([1.0]), np.array([1.0])), "integer or string dtype"),
    (dict(num_bins=5), (np.ones((2, 2), "int64"), np.ones((2, 2), "int64")), "should have shape"),
    (dict(num_bins=5), (np.array([1, 2]), np.array([1])), "equal shape"),
])
def test_bad_inputs(make, inputs, match):
    with pytest.raises(ValueError, match=match):
        HashedCrossing(**make)(inputs)


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_bins=5, sparse=True), "sparse=True"), (dict(num_bins=5, output_mode="count"), "output_mode"),
    (dict(num_bins=0), "num_bins")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HashedCrossing(**kwargs)
