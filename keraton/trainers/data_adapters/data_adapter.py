"""The interface every data adapter implements (Keras 3's ``DataAdapter``)."""

from __future__ import annotations


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
