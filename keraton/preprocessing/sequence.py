"""Keras 2's ``keras.preprocessing.sequence``: ``pad_sequences``, ``skipgrams``, ``make_sampling_table``,
``TimeseriesGenerator``."""

from __future__ import annotations

import json
import random

import numpy as np

from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.py_dataset import Sequence
from keraton.utils.sequence_utils import pad_sequences

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]


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


class TimeseriesGenerator(Sequence):
    """Batches of sliding windows over a time series, as Keras 2's ``TimeseriesGenerator``.

    Sample ``j`` of a batch ends just before row ``r`` and holds
    ``data[r - length:r:sampling_rate]``; its target is ``targets[r]``. Rows
    ``r`` run from ``start_index + length`` to ``end_index`` (inclusive,
    default the last row) in steps of ``stride``, or are drawn at random with
    ``shuffle=True`` (numpy's global generator, as Keras 2). ``reverse=True``
    flips each window in time. Keras 3 replaced it by
    ``keras.utils.timeseries_dataset_from_array``.

    Example:

    >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
    >>> len(gen), gen[0][0].tolist(), gen[0][1].tolist()
    (4, [[0, 1, 2], [1, 2, 3]], [3, 4])
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        warn_keras2_name("keras.preprocessing.sequence.TimeseriesGenerator",
                         "`keras.utils.timeseries_dataset_from_array`")
        if len(data) != len(targets):
            raise ValueError(
                "TimeseriesGenerator: data and targets must have the same length, got "
                f"len(data)={len(data)} and len(targets)={len(targets)}."
            )
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"TimeseriesGenerator: start_index + length = {self.start_index} > end_index = "
                f"{self.end_index} leaves no row to use as a current step; use a shorter `length`, "
                "a smaller `start_index` or more data."
            )

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        """Batch ``index``: ``(samples, targets)`` as numpy arrays."""
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1),
                             self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self) -> dict:
        """Keras 2's config: data and targets as JSON strings, and the window arguments."""
        def as_json(values, what):
            values = values.tolist() if isinstance(values, np.ndarray) else values
            try:
                return json.dumps(values)
            except TypeError as error:
                raise TypeError(f"TimeseriesGenerator: {what} are not JSON serializable: "
                                f"{type(values).__name__}.") from error

        return {"data": as_json(self.data, "data"), "targets": as_json(self.targets, "targets"),
                "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index, "end_index": self.end_index,
                "shuffle": self.shuffle, "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs) -> str:
        """``{"class_name": "TimeseriesGenerator", "config": get_config()}`` as JSON."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)
