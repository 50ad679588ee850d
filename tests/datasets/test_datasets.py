"""Every dataset loader, end to end through get_file, against small files served on 127.0.0.1.

The loaders keep Keras's https origins; a patched ``urlopen`` sends
``https://host/path`` to the local server's ``/host/path`` (so a wrong origin
is a 404), and the expected hashes are translated to the test files' hashes.
Real Keras 3's loaders, handed the same files, are the oracle.
"""

import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile
import urllib.parse
import urllib.request

import numpy as np
import pytest
from local_http import local_server  # noqa: F401

import keraton
from keraton.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from keraton.utils import file_utils

KERAS_BUCKET = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
KERAS_HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
    "cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    "cifar-100-python.tar.gz": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
}


@pytest.fixture
def serve(local_server, tmp_path, monkeypatch):  # noqa: F811
    """Return ``serve(url, data)``: publish ``data`` at Keras's ``url`` on the local server."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    real_urlopen = urllib.request.urlopen
    hash_map = {}

    def urlopen(url, *args, **kwargs):
        parts = urllib.parse.urlsplit(url)
        return real_urlopen(local_server.url(f"/{parts.netloc}{parts.path}"), *args, **kwargs)

    real_validate = file_utils.validate_file

    def validate_file(path, file_hash, algorithm="auto", *args):
        assert file_hash in hash_map, f"unexpected hash {file_hash}"
        return real_validate(path, hash_map[file_hash], "sha256")

    monkeypatch.setattr(file_utils.urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(file_utils, "validate_file", validate_file)

    def publish(url, data):
        parts = urllib.parse.urlsplit(url)
        local_server.files[f"/{parts.netloc}{parts.path}"] = data
        name = os.path.basename(parts.path)
        if name in KERAS_HASHES:
            hash_map[KERAS_HASHES[name]] = hashlib.sha256(data).hexdigest()

    publish.cache = tmp_path / "keras_home" / "datasets"
    publish.requests = local_server.requests
    return publish


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _ragged(n, rng, vocab=40):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in rng.integers(1, vocab, size=rng.integers(2, 12))]
    return out


def _keras_loader(name, path, monkeypatch):
    keras = pytest.importorskip("keras")
    module = getattr(keras.src.datasets, name)
    monkeypatch.setattr(module, "get_file", lambda *a, **k: path)
    return module.load_data


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            assert type(x) is type(y) and x.dtype == y.dtype and x.shape == y.shape
            if x.dtype == object:
                assert [list(r) for r in x] == [list(r) for r in y]
            else:
                np.testing.assert_array_equal(x, y)


def test_mnist(serve, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 255, (6, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
              "x_test": rng.integers(0, 255, (3, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 3, dtype=np.uint8)}
    serve(KERAS_BUCKET + "mnist.npz", _npz(**arrays))
    (x_train, y_train), (x_test, y_test) = keraton.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    assert x_train.dtype == np.uint8 and y_test.shape == (3,)
    _assert_same(mnist.load_data(), _keras_loader("mnist", str(serve.cache / "mnist.npz"), monkeypatch)())


def test_fashion_mnist_reads_gzipped_idx(serve):
    rng = np.random.default_rng(1)
    images = {"train": rng.integers(0, 255, (5, 28, 28), dtype=np.uint8),
              "t10k": rng.integers(0, 255, (2, 28, 28), dtype=np.uint8)}
    labels = {k: rng.integers(0, 10, len(v), dtype=np.uint8) for k, v in images.items()}
    for split in ("train", "t10k"):
        n = len(labels[split])
        serve(f"{KERAS_BUCKET}{split}-labels-idx1-ubyte.gz",
              gzip.compress(np.array([2049, n], ">i4").tobytes() + labels[split].tobytes()))
        serve(f"{KERAS_BUCKET}{split}-images-idx3-ubyte.gz",
              gzip.compress(np.array([2051, n, 28, 28], ">i4").tobytes() + images[split].tobytes()))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, images["train"])
    np.testing.assert_array_equal(y_test, labels["t10k"])
    assert x_test.shape == (2, 28, 28) and x_test.dtype == np.uint8
    assert os.path.isfile(serve.cache / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")


def _cifar_tar(root, batches):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, d in batches.items():
            data = pickle.dumps(d, protocol=4)
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_cifar10(serve):
    rng = np.random.default_rng(2)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batches[name] = {b"data": rng.integers(0, 255, (2, 3072), dtype=np.uint8),
                         b"labels": [int(v) for v in rng.integers(0, 10, 2)], b"batch_label": b"x"}
    serve("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
          _cifar_tar("cifar-10-batches-py", batches))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8 and y_test.dtype == np.uint8
    expected = batches["data_batch_3"][b"data"][1].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x_train[5], expected)
    assert y_test[:, 0].tolist() == batches["test_batch"][b"labels"]
    assert os.path.isdir(serve.cache / "cifar-10-batches-py-target" / "cifar-10-batches-py")


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(serve, label_mode):
    rng = np.random.default_rng(3)
    batches = {name: {b"data": rng.integers(0, 255, (n, 3072), dtype=np.uint8),
                      b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
                      b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)]}
               for name, n in (("train", 4), ("test", 2))}
    serve("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
          _cifar_tar("cifar-100-python", batches))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    assert x_train.shape == (4, 32, 32, 3) and y_test.shape == (2, 1)
    assert y_train[:, 0].tolist() == batches["train"][f"{label_mode}_labels".encode()]
    np.testing.assert_array_equal(x_test[1].transpose(2, 0, 1).reshape(-1), batches["test"][b"data"][1])


def test_cifar_pickle_with_arbitrary_class_is_refused(serve):
    class Evil:
        def __reduce__(self):
            return (os.getcwd, ())

    batches = {name: {b"data": np.zeros((1, 3072), np.uint8), b"fine_labels": [Evil()]}
               for name in ("train", "test")}
    serve("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
          _cifar_tar("cifar-100-python", batches))
    with pytest.raises(pickle.UnpicklingError, match="Refusing to deserialize `posix.getcwd`"):
        cifar100.load_data()


@pytest.mark.parametrize("kwargs", [
    {},
    {"num_words": 20, "skip_top": 3},
    {"maxlen": 8, "seed": 7},
    {"start_char": None, "oov_char": None, "index_from": 0, "num_words": 15},
    {"start_char": None, "index_from": 2},
])
def test_imdb_matches_keras(serve, monkeypatch, kwargs):
    rng = np.random.default_rng(4)
    data = _npz(x_train=_ragged(12, rng), y_train=rng.integers(0, 2, 12),
                x_test=_ragged(9, rng), y_test=rng.integers(0, 2, 9))
    serve(KERAS_BUCKET + "imdb.npz", data)
    ours = imdb.load_data(**kwargs)
    assert ours[0][0].dtype == object and len(ours[0][0]) + len(ours[1][0]) > 0
    _assert_same(ours, _keras_loader("imdb", str(serve.cache / "imdb.npz"), monkeypatch)(**kwargs))


def test_imdb_keras2_nb_words_and_unknown_kwargs(serve):
    rng = np.random.default_rng(4)
    serve(KERAS_BUCKET + "imdb.npz", _npz(x_train=_ragged(6, rng), y_train=rng.integers(0, 2, 6),
                                          x_test=_ragged(4, rng), y_test=rng.integers(0, 2, 4)))
    (x_train, _), (x_test, _) = imdb.load_data(nb_words=10, oov_char=2)
    assert max(max(x) for x in list(x_train) + list(x_test)) < 10
    with pytest.raises(TypeError, match="num_wrds"):
        imdb.load_data(num_wrds=10)


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 20, "skip_top": 2, "test_split": 0.5},
                                    {"maxlen": 9, "oov_char": None}])
def test_reuters_matches_keras(serve, monkeypatch, kwargs):
    rng = np.random.default_rng(5)
    serve(KERAS_BUCKET + "reuters.npz", _npz(x=_ragged(15, rng), y=rng.integers(0, 46, 15)))
    ours = reuters.load_data(**kwargs)
    _assert_same(ours, _keras_loader("reuters", str(serve.cache / "reuters.npz"), monkeypatch)(**kwargs))
    assert reuters.get_label_names()[3] == "earn" and len(reuters.get_label_names()) == 46


@pytest.mark.parametrize("module,fname", [(imdb, "imdb_word_index.json"),
                                          (reuters, "reuters_word_index.json")])
def test_get_word_index(serve, module, fname):
    serve(KERAS_BUCKET + fname, json.dumps({"the": 1, "movie": 2}).encode())
    assert module.get_word_index() == {"the": 1, "movie": 2}


@pytest.mark.parametrize("name,module,features,kwargs", [
    ("boston_housing", boston_housing, 13, {"test_split": 0.3, "seed": 1}),
    ("california_housing", california_housing, 8, {}),
    ("california_housing", california_housing, 8, {"version": "small", "test_split": 0.25}),
])
def test_housing_matches_keras(serve, monkeypatch, name, module, features, kwargs):
    rng = np.random.default_rng(6)
    dtype = "float64" if name == "boston_housing" else "float32"
    serve(f"{KERAS_BUCKET}{name}.npz", _npz(x=rng.normal(size=(700, features)).astype(dtype),
                                            y=rng.normal(size=700).astype(dtype)))
    ours = module.load_data(**kwargs)
    assert ours[0][0].shape[1] == features
    _assert_same(ours, _keras_loader(name, str(serve.cache / f"{name}.npz"), monkeypatch)(**kwargs))


@pytest.mark.parametrize("call,match", [
    (lambda: boston_housing.load_data(test_split=1.0), "test_split"),
    (lambda: california_housing.load_data(version="medium"), "version"),
    (lambda: cifar100.load_data(label_mode="mid"), "label_mode"),
])
def test_bad_arguments(serve, call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_failed_download_says_where_and_how_to_place_by_hand(serve):
    with pytest.raises(OSError) as err:
        mnist.load_data()
    message = str(err.value)
    assert KERAS_BUCKET + "mnist.npz" in message
    assert str(serve.cache / "mnist.npz") in message and "place it at" in message
    assert not os.listdir(serve.cache)
