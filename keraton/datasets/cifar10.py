"""CIFAR-10 small images, as ``keras.datasets.cifar10``."""

import os

import numpy as np

from keraton import backend
from keraton.datasets.cifar import load_batch
from keraton.utils.file_utils import get_file


def load_data():
    """Load CIFAR-10: 50,000 training and 10,000 test 32x32 colour images of 10 classes.

    Matches ``keras.datasets.cifar10.load_data``: the python tarball from the
    University of Toronto, extracted into ``~/.keraton/datasets``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images of shape
        ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` under ``channels_first``) and
        ``uint8`` labels of shape ``(n, 1)``.

    Example:

    >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
    """
    path = get_file(
        fname="cifar-10-batches-py-target",
        origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        extract=True,
        file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
    path = os.path.join(path, "cifar-10-batches-py")
    # Keras fills preallocated 50,000-row arrays; concatenating the batches
    # gives the same result and accepts batches of any size.
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([b[0] for b in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(b[1]) for b in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.asarray(y_test).reshape(len(y_test), 1).astype("uint8")
    x_test = x_test.astype("uint8")
    if backend.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
