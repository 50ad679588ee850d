"""`MonitorCallback`: the shared "is this an improvement?" logic of Keras 3's
`EarlyStopping`, `ModelCheckpoint` and `ReduceLROnPlateau`."""

import operator
import warnings

from keraton.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Base class for callbacks that watch one logged quantity (Keras 3's
    `keras.src.callbacks.monitor_callback.MonitorCallback`).

    Args:
        monitor: Name of the logged quantity, e.g. `"val_loss"`.
        mode: `"min"`, `"max"` or `"auto"`. `"auto"` minimises `loss` and
            `val_loss`, and otherwise follows the `_direction` (`"up"` or
            `"down"`) of the compiled metric named `monitor` (without `val_`);
            for any other name it applies Keras 2's rule (maximize names
            containing `"acc"`, minimize the rest) with a warning, where Keras
            3 raises.
            An unknown mode warns and falls back to `"auto"`, as Keras does.
        baseline: Initial "best" value; `None` takes the first value seen.
        min_delta: Smallest absolute change counted as an improvement.

    Example:

    >>> class Best(MonitorCallback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if self.monitor_op is None:
    ...             self._set_monitor_op()
    ...         if self._is_improvement(logs["loss"], self.best):
    ...             self.best = logs["loss"]
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Choose `operator.lt` or `operator.gt` from `mode` (and the model's
        metrics in auto mode); a minimising op makes `min_delta` negative."""
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric_name, metric in _named_metrics(self.model):
                if name in (metric_name, getattr(metric, "name", None)):
                    direction = getattr(metric, "_direction", None)
                    if direction == "up":
                        self.monitor_op = operator.gt
                    elif direction == "down":
                        self.monitor_op = operator.lt
            if self.monitor_op is None:
                # Keras 3 raises here; Keras 2 programs (monitor='val_acc', a custom metric
                # function) relied on Keras 2's name rule, so keraton applies it and says so.
                maximize = "acc" in name or name.startswith("fmeasure")
                self.monitor_op = operator.gt if maximize else operator.lt
                warnings.warn(
                    f"{type(self).__name__}: the compiled metrics do not say whether "
                    f"monitor={self.monitor!r} should be maximized or minimized; "
                    f"{'maximizing' if maximize else 'minimizing'} it by Keras 2's rule (names "
                    "containing 'acc' are maximized, others minimized). Pass mode='max' or "
                    "mode='min' to choose.",
                    stacklevel=2,
                )
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _monitored(self, logs):
        """`logs[monitor]`, or `None` when absent.

        Keras 2.2 logged `metrics=['accuracy']` as `acc`, later Keras as
        `accuracy`; a `monitor` written for either finds the other.
        """
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            if self.monitor.endswith("accuracy"):
                value = logs.get(self.monitor[: -len("uracy")])
            elif self.monitor.endswith("acc"):
                value = logs.get(self.monitor + "uracy")
        return value

    def _is_improvement(self, monitor_value, reference_value):
        """Whether `monitor_value` beats `reference_value` by `min_delta`
        (`None` as reference: always)."""
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _named_metrics(model):
    """`(log name, metric)` pairs of the model's compiled metrics, if any."""
    compiled = getattr(model, "_compile_metrics", None)
    if compiled is not None and getattr(compiled, "built", False):
        return [(name, metric) for name, metric, _, _ in compiled.entries]
    return [(getattr(m, "name", None), m) for m in getattr(model, "metrics", None) or []]
