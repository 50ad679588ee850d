"""Reuters newswire topics, as ``keras.datasets.reuters``."""

import json

import numpy as np

from keraton.datasets.npz_utils import (
    clip_sequences,
    fetch,
    load_npz,
    remove_long_seq,
    shift_sequences,
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Load the 11,228 Reuters newswires (46 topics) as lists of word indices.

    Matches ``keras.datasets.reuters.load_data``: shuffled with ``seed``,
    encoded as ``imdb.load_data`` encodes, the last ``test_split`` fraction is
    the test set.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` an object array of
        lists of ints, ``y`` an int array of topic ids.

    Example:

    >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
    """
    path = fetch(path, "reuters.npz", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
    f = load_npz(path)
    xs, labels = f["x"], f["y"]
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs = shift_sequences(xs[indices], start_char, index_from)
    labels = labels[indices]
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = clip_sequences(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:idx], dtype="object"), np.array(labels[:idx])),
            (np.array(xs[idx:], dtype="object"), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """Return the dict mapping each Reuters word to its index, as ``keras.datasets.reuters.get_word_index``.

    Example:

    >>> word_index = get_word_index()  # doctest: +SKIP
    """
    path = fetch(path, "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921")
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """Return the 46 topic names, indexed by label, as ``keras.datasets.reuters.get_label_names``."""
    return _LABEL_NAMES


_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)
