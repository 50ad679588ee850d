"""`ReduceLROnPlateau`, matching `keras.callbacks.ReduceLROnPlateau` (Keras 3)."""

import warnings

import numpy as np

from keraton.callbacks.callback_utils import learning_rate_targets, learning_rate_value
from keraton.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` when a quantity stops improving.

    After `patience` epochs without an improvement of `monitor` by more than
    `min_delta`, `model.optimizer.learning_rate` becomes
    `max(lr * factor, min_lr)`; then `cooldown` epochs pass before the wait
    counter runs again. Each epoch's logs get a `learning_rate` entry (the
    rate used in that epoch), as in Keras 3.

    Args:
        monitor: Quantity to monitor. Defaults to `"val_loss"`.
        factor: Factor (< 1) the learning rate is multiplied by.
        patience: Epochs without improvement before the rate is reduced.
        verbose: 1 prints a message on each reduction.
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        min_delta: Threshold of a significant change.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: Lower bound of the learning rate.

    Example:

    >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
    >>> model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        if "epsilon" in kwargs:  # Keras 2's name of min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected keyword argument(s) {sorted(kwargs)}.")
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        """Reset the best value, the wait and cooldown counters."""
        self._reset()

    def in_cooldown(self):
        """Whether the callback is in its cooldown period."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        """Log `learning_rate`, then count a plateau epoch or reduce the rate."""
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        for target, key in learning_rate_targets(self.model.optimizer):
            logs[key] = learning_rate_value(target)
        current = self._monitored(logs)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = [self._reduce_lr(target, epoch, target is not self.model.optimizer)
                           for target, _ in learning_rate_targets(self.model.optimizer)]
                if any(reduced):
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce_lr(self, optimizer, epoch, named=False):
        old_lr = learning_rate_value(optimizer)
        # Keras compares with the float32 min_lr, so a rate already at min_lr stays there.
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            which = f" {optimizer.name}" if named else ""
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate to "
                  f"{new_lr}.")
        return True
