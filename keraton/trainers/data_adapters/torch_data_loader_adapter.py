"""``TorchDataLoaderAdapter``: a ``torch.utils.data.DataLoader`` (or a ``Dataset``, batched here)."""

from __future__ import annotations

import torch

from keraton.trainers.data_adapters.data_adapter import DataAdapter


def make_data_loader(dataset, batch_size=None, shuffle=False):
    """A ``DataLoader`` over a torch ``Dataset`` with Keras's ``batch_size`` (default 32) and ``shuffle``.

    An ``IterableDataset`` cannot be shuffled by index, so ``shuffle`` applies
    to map-style datasets only, as in torch.
    """
    iterable = isinstance(dataset, torch.utils.data.IterableDataset)
    return torch.utils.data.DataLoader(dataset, batch_size=int(batch_size or 32),
                                       shuffle=bool(shuffle) and not iterable)


class TorchDataLoaderAdapter(DataAdapter):
    """Batches from a ``DataLoader``, used as is (its own workers do the prefetching).

    Each batch (a tensor, a ``(x, y)``/``(x, y, sample_weight)`` tuple or list,
    dicts allowed) is converted with ``convert`` (the same rules as in-memory
    data) on the way out; Keras 3's ``TorchDataLoaderAdapter``.

    Args:
        loader: the ``torch.utils.data.DataLoader``.
        convert: ``batch -> (x, y, sample_weight)`` tensors for the model.
    """

    def __init__(self, loader, convert=None):
        self._loader = loader
        self._convert = convert or (lambda batch: batch)

    def get_torch_iterator(self):
        """Yield the converted batches of one pass over the loader."""
        convert = self._convert
        for batch in self._loader:
            yield convert(batch)

    @property
    def num_batches(self):
        """``len(loader)``, or ``None`` for an iterable dataset without a length."""
        try:
            return len(self._loader)
        except TypeError:
            return None

    @property
    def batch_size(self):
        """The loader's ``batch_size``."""
        return self._loader.batch_size

    @property
    def has_partial_batch(self):
        """Unknown for a loader (``None``)."""
        return None
