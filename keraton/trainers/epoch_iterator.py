"""``EpochIterator``: walks an adapter's batches epoch by epoch, honouring ``steps_per_epoch``."""

from __future__ import annotations

import warnings

from keraton import config


class EpochIterator:
    """Yields ``(step, batch)`` for one epoch at a time, as Keras 3's ``EpochIterator``.

    Without ``steps_per_epoch`` an epoch is one pass over the data.  With it,
    an epoch is that many batches and the data iterator carries over between
    epochs, as Keras does; when data of known length runs out mid-epoch, the
    epoch ends there with a warning and the next one starts the data again
    (Keras 3's rule).  A source of unknown length restarts and goes on.
    ``keras.config.set_max_steps_per_epoch(n)`` caps the steps of every epoch.
    """

    def __init__(self, adapter, steps_per_epoch=None):
        self.adapter = adapter
        if steps_per_epoch is not None and int(steps_per_epoch) <= 0:
            raise ValueError(f"steps_per_epoch must be a positive integer, got {steps_per_epoch}.")
        self._steps = int(steps_per_epoch) if steps_per_epoch is not None else None
        cap = config.max_steps_per_epoch()  # keras.config.set_max_steps_per_epoch
        if cap and (self._steps is None or self._steps > cap):
            self._steps = int(cap)
        self._iterator = None

    @property
    def steps_per_epoch(self):
        """Batches per epoch (``None`` when the source's length is unknown)."""
        return self._steps if self._steps is not None else self.adapter.num_batches

    def enumerate_epoch(self):
        """Yield ``(step, batch)`` for one epoch."""
        if self._steps is None:
            yield from enumerate(self.adapter.get_torch_iterator())
            self.adapter.on_epoch_end()
            return
        step = 0
        restarted = False
        while step < self._steps:
            if self._iterator is None:
                self._iterator = iter(self.adapter.get_torch_iterator())
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                self.adapter.on_epoch_end()
                if restarted:
                    return  # the source is empty
                if step and self.adapter.num_batches is not None:
                    warnings.warn(
                        f"Your input ran out of data after {step} of the {self._steps} steps of "
                        "this epoch; the epoch ends there and the next one starts the data again. "
                        "Make sure the data holds at least steps_per_epoch batches.",
                        UserWarning, stacklevel=2)
                    return
                restarted = True
                continue
            restarted = False
            yield step, batch
            step += 1
