"""Keras 2's ``keras.preprocessing.sequence``: ``pad_sequences``, ``skipgrams``, ``make_sampling_table``."""

from __future__ import annotations

import random

import numpy as np

from keraton.utils.sequence_utils import pad_sequences

__all__ = ["make_sampling_table", "pad_sequences", "skipgrams"]


def make_sampling_table(size, sampling_factor=1e-5):
    """Return word2vec's keep-probability for the word of each frequency rank, as Keras 2.

    With word frequencies following Zipf's law, ``p(rank) = min(1, sqrt(f))``
    where ``f = sampling_factor * inv_fq(rank)`` and ``inv_fq`` is Keras 2's
    closed-form approximation of ``rank * H(rank)``.  Pass the result to
    ``skipgrams(sampling_table=...)``.

    Example:

    >>> make_sampling_table(3).round(4).tolist()
    [0.0032, 0.0032, 0.0055]
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Build word2vec skip-gram pairs from a sequence of word indices, as Keras 2's ``skipgrams``.

    Positive pairs ``[w_i, w_j]`` for every ``j`` within ``window_size`` of
    ``i`` (index 0 is skipped); ``negative_samples`` times as many negative
    pairs ``[w, random word]``; labels 1/0 (or ``[0, 1]``/``[1, 0]`` when
    ``categorical``).  Randomness comes from Python's ``random`` module as in
    Keras 2, so ``random.seed`` reproduces Keras 2's output.

    Example:

    >>> couples, labels = skipgrams([1, 2, 3], vocabulary_size=4, window_size=1,
    ...                             negative_samples=0, shuffle=False)
    >>> couples, labels
    ([[1, 2], [2, 1], [2, 3], [3, 2]], [1, 1, 1, 1])
    """
    couples, labels = [], []
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(num_negative)]
        labels += [negative] * num_negative
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
