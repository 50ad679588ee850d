"""``BaseLogger``: Keras 2's epoch-averaging callback, kept for Keras 2 programs."""

from __future__ import annotations

from keraton.callbacks.callback import Callback
from keraton.utils.keras2_names import warn_keras2_name


class BaseLogger(Callback):
    """Keras 2's ``keras.callbacks.BaseLogger`` (removed in Keras 3).

    In Keras 2 it turned per-batch values into epoch averages for the epoch
    logs. keraton's ``fit`` (like Keras 3's and tf.keras 2's) already reports
    epoch averages (and the current value of stateful metrics) in the epoch
    logs, so this callback leaves them as they are: adding it to ``callbacks``
    or subclassing it, as Keras 2 programs do, changes nothing in the numbers.

    Args:
        stateful_metrics: names of metrics that are not averaged over an epoch
            (kept for Keras 2 compatibility; every keraton metric is already
            reported as Keras 2 did for both kinds).
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        warn_keras2_name("keras.callbacks.BaseLogger",
                         "`keras.callbacks.Callback` (epoch logs are already averaged)")
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        """Start counting the epoch's samples (the attributes Keras 2 subclasses read)."""
        self.seen = 0
        self.totals = {}

    def on_train_batch_end(self, batch, logs=None):
        """Count the samples seen, from each batch log's Keras 2 ``size``, as Keras 2 did."""
        logs = logs or {}
        self.seen += logs.get("size", 1) * logs.get("num_steps", 1)
