"""`TensorBoard`, matching `keras.callbacks.TensorBoard` (Keras 3), written
with `torch.utils.tensorboard.SummaryWriter`."""

import os
import time
import warnings

from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_utils import (
    learning_rate_targets,
    learning_rate_value,
    resolve_logs,
)
from keraton.distribution import is_primary


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback needs the `tensorboard` package, which is not "
            "installed. Install it with `pip install tensorboard`."
        ) from e
    return SummaryWriter


_KERAS2_ARGUMENTS = ("batch_size", "write_grads", "embeddings_layer_names", "embeddings_data")


def _check_keras2_arguments(kwargs) -> None:
    """tf.keras 2's handling of the Keras 2.2 arguments: warn for those set, refuse unknown ones."""
    unknown = sorted(set(kwargs) - set(_KERAS2_ARGUMENTS))
    if unknown:
        raise ValueError(f"Unrecognized arguments in `TensorBoard` Callback: {unknown}. Keras 2's "
                         f"{list(_KERAS2_ARGUMENTS)} are accepted (and ignored).")
    for name in _KERAS2_ARGUMENTS:
        if kwargs.get(name):
            warnings.warn(f"`{name}` is a Keras 2 argument of the TensorBoard callback; it is "
                          "ignored, as in tf.keras 2.", UserWarning, stacklevel=3)


class TensorBoard(Callback):
    """Write TensorBoard event files: the scalars Keras 3 writes, same tags.

    Under `log_dir/train`: `epoch_<name>` for each training log and
    `epoch_learning_rate` at step `epoch`; with `update_freq` `"batch"` or
    an int N, `batch_<name>` every N training batches at the global batch
    count. Under `log_dir/validation`: `epoch_<name>` for each `val_<name>`,
    and `evaluation_<name>_vs_iterations` at each evaluation's end at step
    `optimizer.iterations`. With `histogram_freq`, a histogram of every
    weight (`<layer>/<weight>/histogram`) every `histogram_freq` epochs.

    Args:
        log_dir: Directory of the event files.
        histogram_freq: Epoch frequency of weight histograms (0: none).
        write_graph: Accepted for compatibility; no graph is written.
        write_images: Accepted for compatibility; no images are written.
        write_steps_per_second: Also log `epoch_steps_per_second`.
        update_freq: `"epoch"`, `"batch"` or an int number of batches.
        profile_batch: Must be 0 (Keras's torch backend has no profiling).
        embeddings_freq, embeddings_metadata: Accepted; not written.
        **kwargs: Keras 2's `batch_size`, `write_grads`, `embeddings_layer_names`
            and `embeddings_data`, accepted and ignored with a warning, as
            tf.keras 2 did; any other raises.

    Raises:
        ImportError: When the `tensorboard` package is missing (at the first
            write), naming the pip command.

    Example:

    >>> tensorboard = TensorBoard(log_dir="./logs", update_freq="batch")
    >>> model.fit(x, y, epochs=2, callbacks=[tensorboard])  # doctest: +SKIP
    """

    _lazy_batch_logs = True  # batch logs are read only on the batches written

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
        **kwargs,
    ):
        super().__init__()
        _check_keras2_arguments(kwargs)
        self.log_dir = str(os.fspath(log_dir))
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        update_freq = 1 if update_freq == "batch" else update_freq
        if update_freq != "epoch" and (
            not isinstance(update_freq, int) or isinstance(update_freq, bool) or update_freq < 1
        ):
            raise ValueError(
                "TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive int number "
                f"of batches. Received: update_freq={update_freq!r}"
            )
        self.update_freq = update_freq
        if profile_batch:
            raise ValueError(
                "Profiling is not yet available with the torch backend. Received: "
                f"profile_batch={profile_batch} (must be 0)"
            )
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start = None
        if update_freq == "epoch":
            # No batch hook at all, so that fit can skip batch dispatch.
            self.on_train_batch_end = Callback.on_train_batch_end.__get__(self)

    def _writer(self, which):
        if not is_primary():  # in distributed training only rank 0 writes
            return _NullWriter()
        if which not in self._writers:
            writer_class = _summary_writer_class()
            path = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = writer_class(log_dir=path)
        return self._writers[which]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_begin(self, logs=None):
        """Restart the global batch count."""
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        """Close (and flush) the event files."""
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        """Note the start of the epoch, for `steps_per_second`."""
        if self.write_steps_per_second:
            self._epoch_start = (int(self.model.optimizer.iterations), time.time())

    def on_train_batch_end(self, batch, logs=None):
        """Write `batch_<name>` scalars every `update_freq` batches."""
        self._global_train_batch += 1
        step = self._global_train_batch
        if step % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in resolve_logs(logs).items():
            writer.add_scalar(f"batch_{name}", float(value), global_step=step)

    def on_test_end(self, logs=None):
        """Write `evaluation_<name>_vs_iterations` at the optimizer's step."""
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        writer = self._writer("val")
        step = int(optimizer.iterations)
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), global_step=step)
        writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's scalars (and histograms when due)."""
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        # As Keras: the rate of a LossScaleOptimizer's inner optimizer, each sub-optimizer's
        # of a MultiOptimizer (learning_rate_<name>).
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        if inner is not None and (hasattr(inner, "optimizers") or hasattr(inner, "learning_rate")):
            for target, key in learning_rate_targets(inner):
                train_logs[key] = learning_rate_value(target)
        if self.write_steps_per_second and self._epoch_start is not None:
            iterations, start = self._epoch_start
            elapsed = max(time.time() - start, 1e-12)
            train_logs["steps_per_second"] = (int(optimizer.iterations) - iterations) / elapsed
        for which, values in (("train", train_logs), ("val", val_logs)):
            if values:
                writer = self._writer(which)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", float(value), global_step=epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                name = f"{layer.name}/{getattr(weight, '_keras_name', 'weight')}"
                values = weight.detach().float().cpu().numpy()
                writer.add_histogram(f"{name}/histogram", values, global_step=epoch)


class _NullWriter:
    """What a non-primary rank writes to: nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None
