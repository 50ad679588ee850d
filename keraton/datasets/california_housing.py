"""California housing prices, as ``keras.datasets.california_housing``."""

import numpy as np

from keraton.datasets.npz_utils import fetch, split_xy


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing regression data (20,640 samples, 8 features).

    Matches ``keras.datasets.california_housing.load_data``; ``version="small"``
    keeps the first 600 samples.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``float32`` arrays.

    Example:

    >>> (x_train, y_train), _ = load_data(version="small")  # doctest: +SKIP
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    path = fetch(path, "california_housing.npz",
                 "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return split_xy(x, y, test_split, seed)
