"""``GeneratorDataAdapter``: Python generators and other iterables of batches, prefetched in a thread."""

from __future__ import annotations

from keraton.trainers.data_adapters.data_adapter import DataAdapter
from keraton.trainers.data_adapters.prefetch import prefetch


class GeneratorDataAdapter(DataAdapter):
    """Batches from a generator yielding ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.

    As Keras 3's ``GeneratorDataAdapter``: a generator is consumed across
    epochs (give ``steps_per_epoch`` for an infinite one); a re-iterable
    object (a list of batches, a custom iterable) restarts each epoch.  A
    background thread reads and converts up to ``max_queue_size`` batches
    ahead, so a slow source overlaps the training step.

    Args:
        source: the generator or iterable.
        convert: ``batch -> (x, y, sample_weight)`` tensors for the model.
        max_queue_size: batches prefetched ahead; 0 reads in the training thread.
    """

    def __init__(self, source, convert=None, max_queue_size=10):
        self._source = source
        self._convert = convert or (lambda batch: batch)
        self._max_queue_size = int(max_queue_size)
        self._peeked = []

    def first_batch(self):
        """The first batch, read now and yielded again by the next iteration (builds the model)."""
        if not self._peeked:
            iterator = iter(self._source)
            try:
                self._peeked.append(next(iterator))
            except StopIteration:
                raise ValueError("The data generator yielded no batch: it is empty.") from None
            if iterator is not self._source:  # a re-iterable restarts anyway: nothing to replay
                first = self._peeked.pop()
                return self._convert(first)
        return self._convert(self._peeked[0])

    def _batches(self):
        while self._peeked:
            yield self._convert(self._peeked.pop(0))
        for batch in self._source:
            yield self._convert(batch)

    def get_torch_iterator(self):
        """Yield the converted batches until the source is exhausted."""
        if self._max_queue_size <= 0:
            return self._batches()
        return prefetch(self._batches(), self._max_queue_size)

    @property
    def num_batches(self):
        """``len(source)`` when it has one, else ``None`` (unknown)."""
        try:
            return len(self._source)
        except TypeError:
            return None

    @property
    def batch_size(self):
        """Unknown (``None``): the generator decides."""
        return None

    @property
    def has_partial_batch(self):
        """Unknown (``None``)."""
        return None
