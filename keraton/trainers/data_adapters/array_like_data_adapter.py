"""``ArrayLikeDataAdapter``: array-likes read one batch at a time (``HDF5Matrix``, h5py datasets).

tf.keras 2's ``GenericArrayLikeDataAdapter``: any object with ``__getitem__``,
``__len__``, ``shape`` and ``dtype`` that is not already an array (Keras 2's
``keras.utils.HDF5Matrix``, an ``h5py.Dataset``, a memory-frugal user class)
is never converted whole; each batch is read by indexing it and then
standardised as a streamed batch is (``data_prep.standardize_batch``).
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.trainers.data_adapters import data_adapter_utils as utils
from keraton.trainers.data_adapters.data_adapter import SampleBatchedAdapter
from keraton.utils import tree


def is_lazy_array(x) -> bool:
    """True for an array-like to be read batch by batch rather than converted whole.

    An ``h5py.Dataset`` (which NumPy could convert, reading the whole file),
    or an object with ``__getitem__``, ``__len__``, ``shape`` and ``dtype``
    that NumPy cannot convert (no ``__array__``), such as ``HDF5Matrix``.
    """
    if isinstance(x, (np.ndarray, torch.Tensor, list, tuple, dict, str, bytes)):
        return False
    if isinstance(x, torch.utils.data.Dataset):
        return False
    has_protocol = all(hasattr(x, a) for a in ("__getitem__", "__len__", "shape", "dtype"))
    if not has_protocol:
        return False
    package = type(x).__module__.split(".")[0]
    if package == "h5py":
        return True
    return package != "scipy" and not hasattr(x, "__array__")  # scipy.sparse: not row-readable


def has_lazy_arrays(*structures) -> bool:
    """Whether any leaf of the nests is a lazy array-like (:func:`is_lazy_array`)."""
    return any(is_lazy_array(t) for t in tree.flatten(structures))


class RowRange:
    """Rows ``start:stop`` of an array-like, indexed as one (for ``validation_split``), read lazily."""

    def __init__(self, data, start: int, stop: int):
        self.data, self.start, self.stop = data, int(start), int(stop)

    def __len__(self) -> int:
        return self.stop - self.start

    @property
    def shape(self) -> tuple:
        return (len(self),) + tuple(self.data.shape[1:])

    @property
    def dtype(self):
        return self.data.dtype

    def __getitem__(self, key):
        if isinstance(key, slice):
            begin, stop, step = key.indices(len(self))
            return self.data[slice(self.start + begin, self.start + max(begin, stop), step)]
        return self.data[np.asarray(key) + self.start]


def split_rows(arrays, validation_split: float):
    """``validation_split`` on a nest holding array-likes: row views, nothing read (Keras 2 read both parts)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}.")
    flat = [t for t in tree.flatten(arrays) if t is not None]
    n = len(flat[0])
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} on {n} samples leaves an empty training or "
            "validation set. Use more data or a different split."
        )

    def part(t, begin, stop):
        if t is None:
            return None
        return RowRange(t, begin, stop) if is_lazy_array(t) else t[begin:stop]

    first = tree.map_structure(lambda t: part(t, 0, split_at), arrays)
    last = tree.map_structure(lambda t: part(t, split_at, n), arrays)
    return first, last


def materialize(structure):
    """The nest with every lazy array-like read whole into NumPy (for ``*_on_batch``)."""
    return tree.map_structure(lambda t: t[0:len(t)] if is_lazy_array(t) else t, structure)


def _read_rows(t, index):
    """Rows of one array-like: a slice as is; indices in increasing order, then put back in order.

    h5py (hence ``HDF5Matrix``) reads a list of rows only in increasing order,
    so a shuffled batch is read sorted, in one request, and reordered here.
    """
    if isinstance(index, slice):
        return np.asarray(t[index])
    order = np.argsort(index, kind="stable")
    rows = np.asarray(t[index[order]])
    out = np.empty_like(rows)
    out[order] = rows
    return out


class ArrayLikeDataAdapter(SampleBatchedAdapter):
    """Batches read on demand from array-likes, as tf.keras 2's ``GenericArrayLikeDataAdapter``.

    Args:
        x, y, sample_weight: array-likes (see :func:`is_lazy_array`), possibly
            mixed with in-memory arrays, or nests of them.
        batch_size: samples per batch (Keras's default 32).
        shuffle: ``False`` reads contiguous slices in order; ``"batch"``
            reads contiguous slices in a random order of batches (Keras 2's
            advice for HDF5 data); ``True`` draws a new permutation of the
            samples each epoch and reads each batch's rows with one sorted
            fancy-index request (Keras 2.2.5 raised a ``TypeError`` there,
            as h5py refused unsorted indices; tf.keras 2.2+ shuffled samples).
        convert: standardises each batch (tensors, model dtypes, ``device``).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False, convert=None):
        self._structure = utils.pack_x_y_sample_weight(x, y, sample_weight)
        # In-memory leaves given alongside (a NumPy y, a list of numbers) are indexed with them.
        self._flat = [t if t is None or is_lazy_array(t) or isinstance(t, (np.ndarray, torch.Tensor))
                      else np.asarray(t) for t in tree.flatten(self._structure)]
        self._set_batching(x, y, [t for t in self._flat if t is not None], batch_size, shuffle)
        self._convert = convert

    def _index_batches(self):
        n, bs = self._n, self._batch_size
        if self._shuffle is True:
            # The same draw as ArrayDataAdapter's, so a seeded run sees the same batches.
            perm = torch.randperm(n).numpy()
            return (perm[i:i + bs] for i in range(0, n, bs))
        if self._shuffle == "batch":
            order = torch.randperm(self.num_batches).tolist()
            return (slice(b * bs, min(n, (b + 1) * bs)) for b in order)
        return (slice(i, min(n, i + bs)) for i in range(0, n, bs))

    def get_torch_iterator(self):
        """Yield this epoch's batches, each read from the array-likes and then standardised."""
        for index in self._index_batches():
            flat = [None if t is None else _read_rows(t, index) for t in self._flat]
            batch = tree.pack_sequence_as(self._structure, flat)
            yield self._convert(batch) if self._convert is not None else batch
