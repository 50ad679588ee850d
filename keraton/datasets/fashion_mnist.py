"""Fashion-MNIST clothing images, as ``keras.datasets.fashion_mnist``."""

import gzip
import os

import numpy as np

from keraton.datasets.npz_utils import fetch

_FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """Load Fashion-MNIST: 60,000 training and 10,000 test 28x28 greyscale images of 10 classes.

    Matches ``keras.datasets.fashion_mnist.load_data``: four gzipped IDX files
    from Keras's bucket, cached under ``~/.keraton/datasets/fashion-mnist``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` arrays of shape
        ``(n, 28, 28)`` and ``(n,)``.

    Example:

    >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
    """
    cache_subdir = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(f, f, None, cache_subdir=cache_subdir) for f in _FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
