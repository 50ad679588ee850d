"""IMDB movie-review sentiment, as ``keras.datasets.imdb``."""

import json

import numpy as np

from keraton.datasets.npz_utils import (
    clip_sequences,
    fetch,
    load_npz,
    remove_long_seq,
    shift_sequences,
)


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load the IMDB reviews (25,000 train, 25,000 test) as lists of word indices.

    Matches ``keras.datasets.imdb.load_data``: each split is shuffled with
    ``seed``; every review starts with ``start_char``; word indices are shifted
    by ``index_from``; words outside ``[skip_top, num_words)`` become
    ``oov_char`` (or are dropped when it is ``None``); with ``maxlen`` longer
    reviews are removed.  Keras 2's ``nb_words`` is accepted for ``num_words``;
    other unknown keyword arguments raise ``TypeError`` (Keras 3 ignores them).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` an object array of
        Python lists of ints, ``y`` an int array of 0/1 labels.

    Example:

    >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
    """
    if "nb_words" in kwargs:  # Keras 2 spelling
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized keyword arguments: {sorted(kwargs)}.")
    path = fetch(path, "imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    f = load_npz(path)
    rng = np.random.RandomState(seed)
    splits = []
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = f[x_key], f[y_key]
        indices = np.arange(len(x))
        rng.shuffle(indices)
        x = shift_sequences(x[indices], start_char, index_from)
        y = y[indices]
        if maxlen:
            x, y = remove_long_seq(maxlen, x, y)
        splits.append((x, y))
    (x_train, y_train), (x_test, y_test) = splits
    if maxlen and (not x_train or not x_test):
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                         "was kept. Increase maxlen.")
    xs = clip_sequences(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(y_train), np.asarray(y_test)])
    idx = len(x_train)
    return ((np.array(xs[:idx], dtype="object"), labels[:idx]),
            (np.array(xs[idx:], dtype="object"), labels[idx:]))


def get_word_index(path="imdb_word_index.json"):
    """Return the dict mapping each IMDB word to its index (before the ``index_from`` shift).

    Matches ``keras.datasets.imdb.get_word_index``.

    Example:

    >>> word_index = get_word_index()  # doctest: +SKIP
    """
    path = fetch(path, "imdb_word_index.json", "bfafd718b763782e994055a2d397834f")
    with open(path) as f:
        return json.load(f)
