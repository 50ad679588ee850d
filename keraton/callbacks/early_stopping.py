"""`EarlyStopping`, matching `keras.callbacks.EarlyStopping` (Keras 3)."""

import warnings

from keraton.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored quantity has stopped improving.

    At each epoch end the value of `monitor` in the logs is compared with the
    best so far; after `patience` epochs without an improvement of at least
    `min_delta`, `model.stop_training` is set and `fit` ends, as in Keras 3.

    Args:
        monitor: Quantity to monitor. Defaults to `"val_loss"`.
        min_delta: Minimum absolute change counted as an improvement.
        patience: Epochs without improvement after which training stops.
        verbose: 1 prints "Epoch N: early stopping" and the restore message.
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        baseline: Training stops if the model does not beat this value within
            `patience` epochs (the wait counter only restarts on epochs that
            beat both the baseline and the best so far).
        restore_best_weights: At the end of training, set the weights of the
            best epoch (also when training did not stop early).
        start_from_epoch: Epochs of warm-up during which nothing is monitored.

    Example:

    >>> callback = EarlyStopping(monitor="loss", patience=3)
    >>> model.fit(x, y, epochs=10, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        """Reset the state so that one instance serves several `fit` calls."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        """Update the best value and the wait counter; stop when it reaches
        `patience` (never at epoch 0)."""
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Report the stop and restore the best weights when asked to."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value in `logs`, or `None` with a warning listing the
        available names."""
        logs = logs or {}
        value = self._monitored(logs)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return value
