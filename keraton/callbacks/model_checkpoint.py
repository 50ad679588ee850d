"""`ModelCheckpoint`, matching `keras.callbacks.ModelCheckpoint` (Keras 3)."""

import os
import warnings

from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_utils import BatchCounter, check_save_freq, resolve_logs
from keraton.callbacks.monitor_callback import MonitorCallback
from keraton.distribution import is_primary


class ModelCheckpoint(MonitorCallback):
    """Save the model or its weights during training, as Keras 3 does (and Keras 2's ``period``).

    `filepath` may hold `str.format` fields filled with `epoch` (1-based),
    `batch` (1-based, when saving every `save_freq` batches) and the logs,
    e.g. `"weights.{epoch:02d}-{val_loss:.2f}.weights.h5"`. The file is
    written by `model.save(path, overwrite=True)` or, with
    `save_weights_only=True`, by `model.save_weights(path, overwrite=True)`.

    Args:
        filepath: Path template; must end in `.weights.h5` when
            `save_weights_only`, otherwise in `.keras` (or `.h5`).
        monitor: Quantity compared when `save_best_only`.
        verbose: 1 prints a message for each save decision (Keras's text).
        save_best_only: Save only when `monitor` improved on the best so far.
        save_weights_only: Save weights only (`model.save_weights`).
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        save_freq: `"epoch"` or an int: save every that many batches.
        initial_value_threshold: Initial best value of `monitor`.
        period: Keras 2's interval, in epochs, between saves (with `save_freq="epoch"`).

    Example:

    >>> checkpoint = ModelCheckpoint("ckpt/{epoch:02d}.weights.h5", save_weights_only=True)
    >>> model.fit(x, y, epochs=3, callbacks=[checkpoint])  # doctest: +SKIP
    """

    _lazy_batch_logs = True

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
        period=1,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.period = int(period)  # Keras 2: epochs between saves
        self._epochs_since_save = 0
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        check_save_freq(save_freq)
        self.save_freq = save_freq
        self._current_epoch = 0
        # Keras 3 asks for `.weights.h5` / `.keras`; Keras 2 programs name HDF5 files `.h5` or
        # `.hdf5` (`weights.{epoch:02d}-{val_loss:.2f}.hdf5`), which keraton's savers write too.
        if save_weights_only:
            if not self.filepath.endswith((".weights.h5", ".h5", ".hdf5")):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format; `.h5` and `.hdf5` "
                    f"give Keras 2's HDF5 weights file). Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5", ".hdf5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format; `.h5` and "
                f"`.hdf5` give Keras 2's HDF5 model file). Received: filepath={self.filepath}"
            )
        if save_freq == "epoch":
            # No batch hook at all, so that fit can skip batch dispatch.
            self.on_train_batch_end = Callback.on_train_batch_end.__get__(self)
        else:
            self._batches = BatchCounter(save_freq)

    def on_train_batch_end(self, batch, logs=None):
        """With an int `save_freq`, save every `save_freq` batches."""
        if self._batches.step(batch):
            self._save_model(self._current_epoch, batch, resolve_logs(logs))

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the epoch, for batch-level file names and messages."""
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        """With `save_freq="epoch"`, save (or consider saving) the model."""
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._epochs_since_save += 1
            if self._epochs_since_save >= self.period:
                self._epochs_since_save = 0
                self._save_model(epoch, None, logs or {})

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self._monitored(logs)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if getattr(current, "ndim", 0) > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. Received: "
                f"{current}. Falling back to `save_best_only=False`.",
                stacklevel=2,
            )
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                f"is an existing directory: {filepath}"
            )
        if not self._should_save_model(epoch, logs, filepath) or not is_primary():
            return  # in distributed training only rank 0 writes
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}. '
                f"Available keys: epoch, batch, {', '.join(logs)}."
            ) from None
