"""Keras 2's ``keras.utils.HDF5Matrix``: one HDF5 dataset read lazily, row ranges on demand.

Standalone Keras 2.x and tf.keras up to TF 2.3 had it (``keras.utils.HDF5Matrix``,
``keras.utils.io_utils.HDF5Matrix``); Keras 3 removed it.  ``fit``, ``evaluate``
and ``predict`` take it as ``x``/``y`` and read one batch at a time, so the
dataset never has to fit in memory.

Example:
    >>> x = HDF5Matrix("data.h5", "features", start=0, end=1000)
    >>> model.fit(x, HDF5Matrix("data.h5", "labels", end=1000), shuffle="batch")
"""

from __future__ import annotations

import numbers

import numpy as np

from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["HDF5Matrix"]


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "HDF5Matrix reads HDF5 files with the h5py package, which is not installed. "
            "Install it with `pip install h5py`."
        ) from None
    return h5py


class HDF5Matrix:
    """Rows ``start:end`` of an HDF5 dataset, used in place of a NumPy array (Keras 2's ``HDF5Matrix``).

    Nothing is read when it is made but the first row (for ``shape`` and
    ``dtype``); indexing reads only the rows asked for.  As in Keras 2, each
    file is opened once per process and kept in the class-level ``refs``
    dict (``{datapath: h5py.File}``), shared by every matrix on that file.

    Args:
        datapath: path of the HDF5 file.
        dataset: name of the dataset in the file (e.g. ``"images"`` or
            ``"group/images"``).
        start: first row of the dataset to expose (default 0).
        end: row after the last one to expose (default: the dataset's length).
        normalizer: optional function applied to every block of rows read
            (its output gives ``shape[1:]`` and ``dtype``), e.g.
            ``lambda x: x / 255.0``.

    Indexing, as Keras 2: an int gives one row; a slice gives those rows (a
    ``stop`` past the end raises ``IndexError``); a list or integer array
    gives those rows, and h5py requires them in increasing order.  ``fit``
    sorts each batch's indices itself, so any ``shuffle`` works.

    Differences from Keras 2 (documented, deliberate): the file opens
    read-only (h5py 2's default mode was read/write); negative indices count
    from the end of the ``start:end`` range, as NumPy's (Keras 2 read the rows
    before ``start``); out-of-range keys say which range is valid.
    """

    refs: dict = {}

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        h5py = _h5py()
        warn_keras2_name("keras.utils.HDF5Matrix",
                         "an h5py dataset read batch by batch by a `keras.utils.PyDataset`")
        datapath = str(datapath)
        handle = self.refs.get(datapath)
        if handle is None or not handle.id.valid:  # reopen a file the user closed
            handle = h5py.File(datapath, "r")
            self.refs[datapath] = handle
        if dataset not in handle:
            raise ValueError(
                f"HDF5Matrix: the file {datapath!r} has no dataset {dataset!r}. Its top-level "
                f"entries are {sorted(handle.keys())}."
            )
        self.data = handle[dataset]
        if not isinstance(self.data, h5py.Dataset):
            raise ValueError(
                f"HDF5Matrix: {dataset!r} in {datapath!r} is a group, not a dataset. Give the "
                "path of a dataset inside it (e.g. 'group/name')."
            )
        total = int(self.data.shape[0]) if self.data.ndim else 0
        self.start = int(start)
        self.end = total if end is None else int(end)
        if not 0 <= self.start <= self.end <= total:
            raise ValueError(
                f"HDF5Matrix: start={start} and end={end} must satisfy 0 <= start <= end <= "
                f"{total} (the length of dataset {dataset!r})."
            )
        self.normalizer = normalizer
        first = self._read(slice(self.start, self.start + 1))
        self._base_shape = tuple(first.shape[1:])
        self._base_dtype = first.dtype

    def _read(self, index):
        rows = self.data[index]
        return self.normalizer(rows) if self.normalizer is not None else rows

    def __len__(self) -> int:
        return self.end - self.start

    def _row(self, key) -> int:
        n = len(self)
        key = int(key)
        position = key + n if key < 0 else key
        if not 0 <= position < n:
            raise IndexError(f"HDF5Matrix index {key} is out of range for {n} rows.")
        return position + self.start

    def __getitem__(self, key):
        n = len(self)
        if isinstance(key, slice):
            step = 1 if key.step is None else int(key.step)
            if step <= 0:
                raise ValueError(f"HDF5Matrix slices need a positive step, got {key.step}.")
            begin = 0 if key.start is None else int(key.start)
            stop = n if key.stop is None else int(key.stop)
            begin = begin + n if begin < 0 else begin
            stop = stop + n if stop < 0 else stop
            if stop > n or begin < 0:
                raise IndexError(
                    f"HDF5Matrix slice [{key.start}:{key.stop}] is out of range for {n} rows "
                    "(Keras 2 does not clip slices past the end)."
                )
            return self._read(slice(self.start + begin, self.start + max(begin, stop), step))
        if isinstance(key, (numbers.Integral, np.integer)):
            return self._read(self._row(key))
        if isinstance(key, tuple):
            raise TypeError(
                "HDF5Matrix takes one index (an int, a slice or a list of ints) over rows; "
                f"got a tuple {key!r}. Index the rows first, then the returned array."
            )
        indices = np.asarray(key)
        if indices.dtype == bool:
            raise TypeError("HDF5Matrix does not take boolean masks; pass the row numbers.")
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            raise TypeError(
                f"HDF5Matrix takes an int, a slice or a 1-D list of ints; got {type(key).__name__} "
                f"of dtype {indices.dtype} and shape {indices.shape}."
            )
        rows = [self._row(i) for i in indices.tolist()]
        return self._read(rows)

    @property
    def shape(self) -> tuple:
        """``(end - start,) + row shape`` (of the normalizer's output if there is one)."""
        return (len(self),) + self._base_shape

    @property
    def dtype(self):
        """The NumPy dtype of the rows returned (after the normalizer)."""
        return self._base_dtype

    @property
    def ndim(self) -> int:
        """The rank of the stored dataset (as Keras 2: the normalizer's output is not consulted)."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements of ``shape``."""
        return int(np.prod(self.shape))

    def __repr__(self) -> str:
        return (f"HDF5Matrix({self.data.file.filename!r}, {self.data.name!r}, start={self.start}, "
                f"end={self.end}, shape={self.shape}, dtype={self.dtype})")
