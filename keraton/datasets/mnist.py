"""MNIST handwritten digits, as ``keras.datasets.mnist``."""

import numpy as np

from keraton.datasets.npz_utils import fetch


def load_data(path="mnist.npz"):
    """Load MNIST: 60,000 training and 10,000 test 28x28 greyscale digits.

    Matches ``keras.datasets.mnist.load_data``: the file comes from Keras's
    bucket through ``keraton.utils.get_file`` (cached under ``~/.keraton/datasets``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` arrays of shape
        ``(n, 28, 28)`` and ``(n,)``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    """
    path = fetch(path, "mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
