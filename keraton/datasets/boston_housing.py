"""Boston housing prices, as ``keras.datasets.boston_housing``."""

import numpy as np

from keraton.datasets.npz_utils import fetch, split_xy


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing regression data (506 samples, 13 features).

    Matches ``keras.datasets.boston_housing.load_data``: shuffled with
    ``seed``, the last ``test_split`` fraction is the test set.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``float64`` arrays.

    Example:

    >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")
    path = fetch(path, "boston_housing.npz",
                 "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return split_xy(x, y, test_split, seed)
