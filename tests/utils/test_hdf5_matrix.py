"""Keras 2's ``HDF5Matrix`` against NumPy, and ``fit``/``evaluate``/``predict`` reading it batch by batch."""

import sys
import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton.utils.hdf5_matrix import HDF5Matrix

h5py = pytest.importorskip("h5py")

N, FEATURES = 21, 3
X = (np.arange(N * FEATURES, dtype="float32").reshape(N, FEATURES) % 7) / 7.0
Y = (X @ np.array([[0.5], [-1.0], [2.0]], dtype="float32") + 0.25).astype("float32")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the Keras 2 name warning
        yield


@pytest.fixture
def path(tmp_path):
    p = str(tmp_path / "data.h5")
    with h5py.File(p, "w") as f:
        f["x"] = X
        f["y"] = Y
        f.create_group("g")["z"] = np.arange(5, dtype="int64")
    yield p
    handle = HDF5Matrix.refs.pop(p, None)
    if handle is not None:
        handle.close()


@pytest.mark.parametrize("start,end", [(0, None), (3, 17)])
def test_indexing_matches_numpy(path, start, end):
    m = HDF5Matrix(path, "x", start=start, end=end)
    ref = X[start:end]
    assert len(m) == len(ref)
    assert m.shape == ref.shape and m.dtype == ref.dtype and m.ndim == 2 and m.size == ref.size
    np.testing.assert_array_equal(m[0], ref[0])
    np.testing.assert_array_equal(m[-1], ref[-1])
    np.testing.assert_array_equal(m[2:5], ref[2:5])
    np.testing.assert_array_equal(m[:4], ref[:4])
    np.testing.assert_array_equal(m[5:], ref[5:])
    np.testing.assert_array_equal(m[:], ref)
    np.testing.assert_array_equal(m[[1, 4, 6]], ref[[1, 4, 6]])
    np.testing.assert_array_equal(m[np.array([0, 2, 3])], ref[[0, 2, 3]])
    with pytest.raises(IndexError):
        m[len(ref)]
    with pytest.raises(IndexError):
        m[0:len(ref) + 1]  # Keras 2 does not clip a slice past the end
    with pytest.raises(IndexError):
        m[[0, len(ref)]]
    with pytest.raises(TypeError, match="increasing order"):
        m[[3, 1]]  # h5py's rule, as in Keras 2


def test_normalizer_shape_dtype_and_shared_file(path):
    m = HDF5Matrix(path, "x", normalizer=lambda a: (a * 2).astype("float64")[..., :2])
    assert m.shape == (N, 2) and m.dtype == np.float64 and m.ndim == 2  # ndim: the stored rank
    np.testing.assert_array_equal(m[1:3], (X[1:3] * 2)[:, :2])
    np.testing.assert_array_equal(m[4], (X[4:5] * 2)[0, :2])
    z = HDF5Matrix(path, "g/z")
    assert HDF5Matrix.refs[path] == z.data.file == m.data.file  # one open file per path
    np.testing.assert_array_equal(z[[0, 4]], [0, 4])


def test_bad_arguments(path, monkeypatch):
    with pytest.raises(ValueError, match="no dataset 'nope'"):
        HDF5Matrix(path, "nope")
    with pytest.raises(ValueError, match="is a group"):
        HDF5Matrix(path, "g")
    with pytest.raises(ValueError, match="start"):
        HDF5Matrix(path, "x", start=5, end=N + 1)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        HDF5Matrix(path, "x")


def _model(seed=0):
    keraton.utils.set_random_seed(seed)
    model = keraton.Sequential([keraton.layers.Input((FEATURES,)), keraton.layers.Dense(2, activation="tanh"),
                                keraton.layers.Dense(1)])
    model.compile(optimizer=keraton.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def _fit(x, y, shuffle, **kwargs):
    model = _model()
    torch.manual_seed(123)  # the same batch order for both runs
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=shuffle, verbose=0, **kwargs)
    return model, history.history


@pytest.mark.parametrize("shuffle", [False, "batch", True])
def test_fit_equals_numpy(path, shuffle):
    ref_model, ref = _fit(X, Y, shuffle, validation_split=0.25)
    model, got = _fit(HDF5Matrix(path, "x"), HDF5Matrix(path, "y"), shuffle, validation_split=0.25)
    for key in ref:
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-6, atol=1e-7)
    for w, w_ref in zip(model.get_weights(), ref_model.get_weights()):
        np.testing.assert_allclose(w, w_ref, rtol=1e-6, atol=1e-7)
    x_tail, y_tail = HDF5Matrix(path, "x", start=2), HDF5Matrix(path, "y", start=2, end=N)
    np.testing.assert_allclose(model.evaluate(x_tail, y_tail, batch_size=5, verbose=0),
                               ref_model.evaluate(X[2:], Y[2:], batch_size=5, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(HDF5Matrix(path, "x"), batch_size=5, verbose=0),
                               ref_model.predict(X, batch_size=5, verbose=0), rtol=1e-6)


def test_validation_data_class_weight_and_on_batch(path, tmp_path):
    x, y = HDF5Matrix(path, "x"), HDF5Matrix(path, "y")
    yc = (Y > 1).astype("float32")
    labels = str(tmp_path / "labels.h5")
    with h5py.File(labels, "w") as f:
        f["yc"] = yc
    yc_h5 = HDF5Matrix(labels, "yc")
    kwargs = dict(class_weight={0: 1.0, 1: 3.0}, validation_data=(x, yc_h5))
    ref_model, ref = _fit(X, yc, False, class_weight={0: 1.0, 1: 3.0}, validation_data=(X, yc))
    model, got = _fit(x, yc_h5, False, **kwargs)
    for key in ref:
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-6)
    np.testing.assert_allclose(model.train_on_batch(x, y), ref_model.train_on_batch(X, Y), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), ref_model.predict_on_batch(X), rtol=1e-6)
    HDF5Matrix.refs.pop(labels).close()


class _Recording(HDF5Matrix):
    requests: list = []

    def __getitem__(self, key):
        self.requests.append(len(range(*key.indices(len(self)))) if isinstance(key, slice) else len(key))
        return super().__getitem__(key)


@pytest.mark.parametrize("shuffle", [False, True])
def test_reads_one_batch_at_a_time(path, shuffle):
    x = _Recording(path, "x")
    model = _model()
    model.predict(x, batch_size=4, verbose=0)
    assert _Recording.requests == [4, 4, 4, 4, 4, 1]  # never the whole dataset
    _Recording.requests.clear()
    model.fit(x, _Recording(path, "y"), batch_size=8, epochs=1, shuffle=shuffle, verbose=0)
    assert sorted(_Recording.requests) == [5, 5, 8, 8, 8, 8]  # x and y, per batch
    _Recording.requests.clear()


class _RowStore:
    """A user array-like (no ``__array__``): rows by int, slice or index array."""

    def __init__(self, data):
        self._data = data
        self.shape, self.dtype = data.shape, data.dtype

    def __len__(self):
        return len(self._data)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            assert np.all(np.diff(key) > 0), "indices must arrive sorted"
        return self._data[key].copy()


def test_generic_array_like(path):
    ref_model, ref = _fit(X, Y, True)
    model, got = _fit(_RowStore(X), Y, True)  # mixed with an in-memory y
    np.testing.assert_allclose(got["loss"], ref["loss"], rtol=1e-6)
    np.testing.assert_allclose(model.predict(_RowStore(X), verbose=0), ref_model.predict(X, verbose=0),
                               rtol=1e-6)
