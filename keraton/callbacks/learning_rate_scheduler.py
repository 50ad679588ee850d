"""`LearningRateScheduler`, matching `keras.callbacks.LearningRateScheduler` (Keras 3)."""

import numpy as np

from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_utils import learning_rate_targets, learning_rate_value


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from `schedule`.

    `schedule(epoch, lr)` (or `schedule(epoch)`, tried when the two-argument
    call raises `TypeError`, as Keras does) returns the rate for the 0-based
    `epoch` given the current rate; it is assigned to
    `model.optimizer.learning_rate`. Each epoch's logs get `learning_rate`.

    Args:
        schedule: Function `(epoch, lr) -> float`.
        verbose: 1 prints the rate set at each epoch.

    Example:

    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = LearningRateScheduler(scheduler)
    >>> model.fit(x, y, epochs=15, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        """Compute and assign this epoch's learning rate (each sub-optimizer's for a
        ``MultiOptimizer``, as Keras 3.15)."""
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate") and not hasattr(optimizer, "optimizers"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        for target, _ in learning_rate_targets(optimizer):
            lr = self._update_learning_rate(target, epoch)
            if self.verbose > 0:
                which = f"{target.name} " if target is not optimizer else ""
                print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning rate "
                      f"to {lr}.")

    def _update_learning_rate(self, optimizer, epoch):
        try:
            lr = self.schedule(epoch, learning_rate_value(optimizer))
        except TypeError:  # Keras 1-style schedule(epoch)
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(
                "LearningRateScheduler: the output of the `schedule` function should be a "
                f"float. Got: {lr!r} of type {type(lr).__name__}."
            )
        optimizer.learning_rate = float(lr)
        return lr

    def on_epoch_end(self, epoch, logs=None):
        """Add the epoch's `learning_rate` (``learning_rate_<name>`` per sub-optimizer) to the logs."""
        if logs is not None:
            for target, key in learning_rate_targets(self.model.optimizer):
                logs[key] = learning_rate_value(target)
