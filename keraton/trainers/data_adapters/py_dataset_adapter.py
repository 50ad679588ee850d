"""``PyDatasetAdapter``: a ``keraton.utils.PyDataset`` (Keras 2 ``Sequence``) loaded by workers, in order."""

from __future__ import annotations

import itertools
import random

from keraton.trainers.data_adapters.data_adapter import DataAdapter
from keraton.trainers.data_adapters.prefetch import ordered_map, prefetch


class PyDatasetAdapter(DataAdapter):
    """Batches ``py_dataset[i]`` for ``i`` in ``range(num_batches)``, as Keras 3's ``PyDatasetAdapter``.

    ``workers`` (from the dataset) decides how batches are loaded:
    ``0`` in the training thread; ``1`` one background thread running ahead
    by ``max_queue_size`` batches; ``n > 1`` ``n`` threads (or processes with
    ``use_multiprocessing=True``) loading in parallel, yielded in index order.
    ``shuffle=True`` shuffles the batch order each epoch; ``on_epoch_begin``
    and ``on_epoch_end`` of the dataset are called around each epoch.
    """

    def __init__(self, py_dataset, convert=None, shuffle=False):
        self.py_dataset = py_dataset
        self._convert = convert or (lambda batch: batch)
        self._shuffle = shuffle

    def first_batch(self):
        """The converted batch 0 (to build the model)."""
        return self._convert(self.py_dataset[0])

    def _indices(self):
        n = self.num_batches
        if n is None:
            return itertools.count()
        indices = list(range(n))
        if self._shuffle:
            random.shuffle(indices)
        return indices

    def get_torch_iterator(self):
        """Yield one epoch of converted batches, loaded as ``workers`` says."""
        ds, convert = self.py_dataset, self._convert
        ds.on_epoch_begin()
        indices = self._indices()
        workers, queue_size = int(ds.workers), int(ds.max_queue_size)
        if ds.use_multiprocessing and workers >= 1:
            return (convert(b) for b in ordered_map(ds, indices, workers, True, queue_size))
        if workers > 1:
            return ordered_map(_Converted(ds, convert), indices, workers, False, queue_size)
        batches = (convert(ds[i]) for i in indices)
        return prefetch(batches, queue_size) if workers == 1 else batches

    def on_epoch_end(self) -> None:
        """Call the dataset's ``on_epoch_end`` (where Keras 2 ``Sequence``s reshuffle)."""
        self.py_dataset.on_epoch_end()

    @property
    def num_batches(self):
        """The dataset's ``num_batches`` (``len``), or ``None`` for an infinite dataset."""
        try:
            return self.py_dataset.num_batches
        except NotImplementedError:
            return None

    @property
    def batch_size(self):
        """Unknown (``None``): each ``__getitem__`` decides."""
        return None

    @property
    def has_partial_batch(self):
        """Unknown (``None``)."""
        return None


class _Converted:
    """``ds[i]`` converted in the loading thread, so the conversion overlaps the step too."""

    def __init__(self, ds, convert):
        self._ds, self._convert = ds, convert

    def __getitem__(self, index):
        return self._convert(self._ds[index])
