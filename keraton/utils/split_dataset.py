"""``split_dataset``: cut a dataset of samples into a left and a right part (Keras 3).

Keras returns ``tf.data.Dataset``s (or, on its torch backend,
``torch.utils.data.Subset``s).  keraton has no ``tf.data``: the parts are
:class:`DatasetSplit`, a ``torch.utils.data.Subset`` that ``fit``/``evaluate``/
``predict`` take directly (batched by their ``batch_size``), iterating one
sample at a time like Keras's unbatched splits, with ``.batch(n)`` for a
``PyDataset`` of batches (``tf.data``'s ``dataset.batch(n)``).
"""

from __future__ import annotations

import math
import random

import numpy as np
import torch
from torch.utils import data

from keraton.utils import tree
from keraton.utils.py_dataset import PyDataset


class ArraySamples(data.Dataset):
    """The samples of in-memory arrays: item ``i`` is row ``i`` of each array, in their structure.

    A single array gives its rows; a tuple or list of arrays gives tuples of
    rows; a dict of arrays gives dicts of rows (as ``tf.data``'s
    ``from_tensor_slices``).
    """

    def __init__(self, arrays):
        self.arrays = tuple(arrays) if isinstance(arrays, list) else arrays
        self._leaves = tree.flatten(self.arrays)

    def __len__(self):
        return len(self._leaves[0])

    def __getitem__(self, index):
        return tree.pack_sequence_as(self.arrays, [leaf[index] for leaf in self._leaves])


def _stack(samples):
    first = samples[0]
    if isinstance(first, torch.Tensor):
        return torch.stack(samples)
    return np.stack([np.asarray(s) for s in samples])


def collate(samples):
    """Stack a list of same-structured samples into one batch (tensors stay tensors, rest NumPy)."""
    flat = [tree.flatten(s) for s in samples]
    return tree.pack_sequence_as(samples[0], [_stack(list(column)) for column in zip(*flat)])


class SampleBatches(PyDataset):
    """Consecutive batches of ``batch_size`` samples of a map-style dataset (``DatasetSplit.batch``)."""

    def __init__(self, dataset, batch_size, drop_remainder=False):
        super().__init__(workers=0)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.drop_remainder = drop_remainder

    def __len__(self):
        rounding = math.floor if self.drop_remainder else math.ceil
        return rounding(len(self.dataset) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        start = index * self.batch_size
        stop = min(start + self.batch_size, len(self.dataset))
        return collate([self.dataset[i] for i in range(start, stop)])


class DatasetSplit(data.Subset):
    """One side of :func:`split_dataset`: the samples ``dataset[i]`` for ``i`` in ``indices``.

    A ``torch.utils.data.Subset`` (what Keras's torch backend returns), so
    ``model.fit(split, batch_size=...)`` and a ``DataLoader`` take it, and
    ``split[i]`` / iteration give single samples.
    """

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def batch(self, batch_size, drop_remainder=False):
        """A ``PyDataset`` of batches of ``batch_size`` consecutive samples (like ``tf.data``'s ``batch``)."""
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size}")
        return SampleBatches(self, batch_size, drop_remainder)


def _check_arrays(arrays, kind):
    if len(arrays) == 0:
        raise ValueError(f"Received an empty {kind} dataset. Please provide a non-empty {kind} of "
                         "arrays.")
    length = None
    for i, element in enumerate(tree.flatten(arrays)):
        if not isinstance(element, (np.ndarray, torch.Tensor)):
            raise ValueError(f"Expected a {kind} of `numpy.ndarray` objects (or torch tensors). "
                             f"Received: {type(element)} at index {i}.")
        if element.ndim == 0:
            raise ValueError(f"Expected arrays with a first (sample) axis; received a scalar at "
                             f"index {i}.")
        if length is None:
            length = len(element)
        elif len(element) != length:
            raise ValueError(f"Received a {kind} of arrays with different lengths. Mismatch found "
                             f"at index {i}: expected length {length}, received shape "
                             f"{tuple(element.shape)}. Please provide arrays of the same length.")


def _as_map_dataset(dataset):
    if isinstance(dataset, (np.ndarray, torch.Tensor)):
        _check_arrays([dataset], "NumPy array")
        return ArraySamples(dataset)
    if isinstance(dataset, (list, tuple, dict)):
        kind = type(dataset).__name__
        _check_arrays(list(dataset.values()) if isinstance(dataset, dict) else dataset, kind)
        return ArraySamples(dataset)
    if isinstance(dataset, data.IterableDataset):
        samples = list(dataset)
        if not samples:
            raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty "
                             "dataset.")
        return samples
    if isinstance(dataset, data.Dataset):
        return dataset
    raise TypeError("The `dataset` argument must be a `torch.utils.data.Dataset` object, a NumPy "
                    "array or torch tensor, or a list/tuple/dict of arrays of the same length "
                    f"(keraton has no tf.data). Received: dataset={dataset!r} of type {type(dataset)}")


def _check_size_type(size, name):
    if size is not None and type(size) not in (int, float):
        raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, "
                        f"Received: type({name})={type(size)}.")


def rescale_split_sizes(left_size, right_size, total_length):
    """The ``(left, right)`` sample counts for Keras's ``left_size``/``right_size`` rules.

    A float is a fraction in ``(0, 1)`` (rounded), an int a count in
    ``(0, total_length)``, ``None`` the complement of the other side.  Raises
    ``TypeError``/``ValueError`` where Keras does.
    """
    if (left_size is not None and type(left_size) not in (int, float)
            and right_size is not None and type(right_size) not in (int, float)):
        raise TypeError("Invalid `left_size` and `right_size` Types. Expected: integer or float or "
                        f"None, Received: type(left_size)={type(left_size)} and "
                        f"type(right_size)={type(right_size)}")
    _check_size_type(left_size, "left_size")
    _check_size_type(right_size, "right_size")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for size, name in ((left_size, "left_size"), (right_size, "right_size")):
        if (type(size) is int and not 0 < size < total_length
                or type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total_length}, or a float within the range `[0, 1]`. "
                             f"Received: {name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total_length) if type(left_size) is float else left_size
    right = round(right_size * total_length) if type(right_size) is float else right_size
    if left is None:
        left = total_length - right
    elif right is None:
        right = total_length - left
    if left + right > total_length:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total_length}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total_length}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total_length}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will be "
                             "empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split a dataset of samples into a left and a right part (``keras.utils.split_dataset``).

    Args:
        dataset: a ``torch.utils.data.Dataset``, a NumPy array or torch
            tensor, or a list/tuple (or dict) of arrays of the same length.
        left_size: a float in ``(0, 1)`` (fraction of the samples), an int
            (number of samples), or ``None`` (the complement of ``right_size``).
        right_size: the same for the right part.
        shuffle: shuffle the samples before splitting.
        seed: seed of the shuffle.
        preferred_backend: ``None`` or ``"torch"`` (Keras's argument;
            ``"tensorflow"`` is not available in keraton).

    Returns:
        ``(left, right)``, two :class:`DatasetSplit` (``torch.utils.data.Subset``):
        the first ``left`` samples and the last ``right`` ones.  With
        ``shuffle`` the order is ``torch.randperm`` under a generator seeded with
        ``seed``, the permutation Keras's torch backend draws.

    Matches Keras's size rules and errors.  Differs from Keras's torch
    backend, on purpose: without ``shuffle`` the order is kept (Keras's torch
    path permutes anyway, against its documentation), ``left + right`` may be
    less than the whole (as in Keras's ``tf.data`` path), an array gives bare
    rows rather than 1-tuples, and dicts of arrays and tensors are accepted.

    Example:

    >>> import numpy as np
    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> len(left), len(right), int(right[0])
    (8, 2, 8)
    """
    if preferred_backend not in (None, "torch"):
        raise ValueError("keraton's `split_dataset` returns torch datasets only (there is no "
                         f"tf.data); pass preferred_backend=None or 'torch'. Received: "
                         f"preferred_backend={preferred_backend!r}")
    samples = _as_map_dataset(dataset)
    if right_size is None and left_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    total = len(samples)
    left, right = rescale_split_sizes(left_size, right_size, total)
    if shuffle:
        generator = torch.Generator()
        generator.manual_seed(random.randint(0, int(1e6)) if seed is None else seed)
        order = torch.randperm(total, generator=generator).tolist()
    else:
        order = list(range(total))
    return DatasetSplit(samples, order[:left]), DatasetSplit(samples, order[total - right:])
