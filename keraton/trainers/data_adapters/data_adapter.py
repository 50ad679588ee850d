"""The interface every data adapter implements (Keras 3's ``DataAdapter``)."""

from __future__ import annotations

import math

from keraton.trainers.data_adapters import data_adapter_utils as utils
from keraton.utils import tree


class DataAdapter:
    """Turns one kind of data source into batches of torch tensors for the training loop.

    An adapter yields, once per epoch, tuples ``(x, y, sample_weight)`` of torch
    tensors (or nests of them), already converted: the loop does no conversion.
    """

    def get_torch_iterator(self):
        """Return an iterator over this epoch's batches."""
        raise NotImplementedError

    @property
    def num_batches(self):
        """Batches per epoch, or ``None`` if unknown."""
        raise NotImplementedError

    @property
    def batch_size(self):
        """Samples per batch, or ``None`` if unknown."""
        raise NotImplementedError

    @property
    def has_partial_batch(self):
        """Whether the last batch is smaller than ``batch_size``."""
        raise NotImplementedError

    def first_batch(self):
        """One batch to build an unbuilt model from; sources that are consumed replay it."""
        return next(iter(self.get_torch_iterator()))

    def on_epoch_end(self) -> None:
        """Called after each epoch (shuffling sources reshuffle here)."""


class SampleBatchedAdapter(DataAdapter):
    """An adapter cutting ``num_samples`` indexed samples into batches (in-memory or lazy arrays)."""

    def _set_batching(self, x, y, leaves, batch_size, shuffle) -> None:
        """Count the samples of ``leaves`` (the non-None leaves of x, y, sample_weight) and check the batching."""
        names = ["x"] * len(tree.flatten(x)) + ["y"] * len([t for t in tree.flatten(y) if t is not None])
        names += ["sample_weight"] * (len(leaves) - len(names))
        self._n = utils.num_samples(leaves, names)
        self._batch_size = int(batch_size or 32)
        if self._batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True, False or 'batch', got {shuffle!r}.")
        self._shuffle = shuffle

    @property
    def num_samples(self) -> int:
        """Number of samples."""
        return self._n

    @property
    def num_batches(self) -> int:
        """``ceil(num_samples / batch_size)``."""
        return math.ceil(self._n / self._batch_size)

    @property
    def batch_size(self) -> int:
        """Samples per batch."""
        return self._batch_size

    @property
    def has_partial_batch(self) -> bool:
        """Whether the last batch is smaller than the others."""
        return self._n % self._batch_size != 0
