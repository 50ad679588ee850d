"""``timeseries_dataset_from_array``: sliding windows over an array as batches (Keras 3)."""

from __future__ import annotations

import math

import numpy as np

from keraton.utils.py_dataset import PyDataset


class TimeseriesDataset(PyDataset):
    """Batches of windows ``data[start + p + k * sampling_rate]`` (and ``targets[start + p]``).

    What ``timeseries_dataset_from_array`` returns: a ``keraton.utils.PyDataset``
    that ``fit``/``evaluate``/``predict`` take directly.
    """

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate, start_index,
                 batch_size):
        super().__init__(workers=0)
        self.data = data
        self.targets = targets
        self.start_positions = start_positions
        self.batch_size = batch_size
        self._offsets = np.arange(sequence_length) * sampling_rate + start_index

    def __len__(self):
        if self.batch_size is None:
            return len(self.start_positions)
        return math.ceil(len(self.start_positions) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        if self.batch_size is None:
            positions = self.start_positions[index]
        else:
            positions = self.start_positions[index * self.batch_size:(index + 1) * self.batch_size]
        windows = np.asarray(self.data[np.asarray(positions)[..., None] + self._offsets])
        if self.targets is None:
            return windows
        return windows, np.asarray(self.targets[np.asarray(positions) + self._offsets[0]])


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None):
    """Slide a window over ``data`` and batch the windows (with ``targets``), as Keras 3.

    Matches ``keras.utils.timeseries_dataset_from_array``: window ``i`` starts
    at ``start_index + p_i`` with ``p_i = i * sequence_stride`` and takes
    ``sequence_length`` steps ``sampling_rate`` apart; its target is
    ``targets[start_index + p_i]``; there are ``end_index - start_index -
    (sequence_length - 1) * sampling_rate`` start positions (at most
    ``len(targets)``).  ``shuffle`` permutes the windows with
    ``np.random.RandomState(seed)``.  ``batch_size=None`` yields single windows.

    Returns a ``TimeseriesDataset`` (a ``PyDataset``) of NumPy batches, not a
    ``tf.data.Dataset``; Keras additionally shuffles within a buffer of
    ``8 * batch_size`` windows, which keraton does not.

    Example:

    >>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10), sequence_length=3,
    ...                                    batch_size=2)
    >>> x, y = ds[0]
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [1, 2, 3]], [0, 1])
    """
    data = np.asarray(data)
    if targets is not None:
        targets = np.asarray(targets)
    n = len(data)
    if start_index is not None:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index is not None:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index}")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {n}")
    start_index = start_index or 0
    end_index = n if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    start_positions = np.arange(0, max(num_seqs, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    return TimeseriesDataset(data, targets, start_positions, sequence_length, sampling_rate,
                             start_index, batch_size)
