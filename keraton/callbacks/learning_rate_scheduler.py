"""`LearningRateScheduler`, matching `keras.callbacks.LearningRateScheduler` (Keras 3)."""

import numpy as np

from keraton.callbacks.callback import Callback


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
        """Compute and assign this epoch's learning rate."""
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # Keras 1-style schedule(epoch)
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(
                "LearningRateScheduler: the output of the `schedule` function should be a "
                f"float. Got: {lr!r} of type {type(lr).__name__}."
            )
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        """Add the epoch's `learning_rate` to the logs."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
