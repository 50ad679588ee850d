"""The metrics half of ``Trainer``: ``metrics``, ``metrics_names``, ``reset_metrics``, tracker updates.

Keras 3's ``model.metrics``: the loss tracker(s), the compiled metrics, then
any ``keraton.metrics.Metric`` a subclass assigned as an attribute (the
trackers of a custom ``train_step``).  Results stay tensors until read.
"""

from __future__ import annotations

import functools

import torch

from keraton.trainers import compile_utils
from keraton.utils import tree


@functools.cache
def _metric_class():
    """``keraton.metrics.Metric``, imported on first use (metrics import the trainers' modules)."""
    from keraton.metrics import Metric

    return Metric


class MetricsMixin:
    """Metric bookkeeping mixed into :class:`~keraton.trainers.trainer.Trainer`."""

    @property
    def metrics(self) -> list:
        """The loss tracker(s), compiled metrics, then metrics assigned as attributes (Keras 3).

        A subclass that creates ``self.d_loss_tracker = keraton.metrics.Mean(...)``
        in ``__init__`` finds it here, so ``fit`` resets it every epoch.
        """
        out = [self._loss_tracker] + [t for t in self._output_loss_trackers]
        if self._compile_metrics is not None and self._compile_metrics.built:
            out.extend(self._compile_metrics.metrics)
        return out + self._tracked_metrics()

    def _tracked_metrics(self) -> list:
        cached = self.__dict__.get("_tracked_metrics_cache")
        if cached is None:
            own = self.__dict__.get("_loss_tracker")
            cached = [v for v in vars(self).values() if isinstance(v, _metric_class()) and v is not own]
            self.__dict__["_tracked_metrics_cache"] = cached
        return list(cached)

    def __setattr__(self, name, value):
        # model.metrics scans the attributes for Metric objects; the scan is cached
        # and dropped whenever an attribute starts or stops holding a Metric.
        metric = _metric_class()
        if isinstance(value, metric) or isinstance(self.__dict__.get(name), metric):
            self.__dict__["_tracked_metrics_cache"] = None
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if isinstance(self.__dict__.get(name), _metric_class()):
            self.__dict__["_tracked_metrics_cache"] = None
        super().__delattr__(name)

    @property
    def metrics_names(self) -> list:
        """Names of the values ``evaluate`` returns: ``['loss', ...metrics]`` (Keras 2 style).

        With a ``metrics`` property overridden by a subclass, its metrics' names (Keras 3).
        """
        if type(self).metrics is not MetricsMixin.metrics:
            return [m.name for m in self.metrics]
        names = ["loss"] + [t.name for t in self._output_loss_trackers]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names.extend(name for name, _, _, _ in self._compile_metrics.entries)
        return names + [m.name for m in self._tracked_metrics()]

    def reset_metrics(self) -> None:
        """Reset the loss tracker(s) and every compiled metric."""
        for m in self.metrics:
            m.reset_state()

    def _metric_results(self, tracked=None) -> dict:
        logs = {"loss": self._loss_tracker.result()}
        for tracker in self._output_loss_trackers:
            logs[tracker.name] = tracker.result()
        if self._compile_metrics is not None and self._compile_metrics.built:
            logs.update(self._compile_metrics.result())
        for metric in self._tracked_metrics() if tracked is None else tracked:
            logs[metric.name] = metric.result()
        return logs

    def _build_compiled(self, y, y_pred) -> None:
        """Resolve losses and metrics on the first batch, when output count and shapes are known."""
        names = self.output_names or []
        if self._compile_loss is not None and not self._compile_loss.built:
            self._compile_loss.output_names = list(names)
            self._compile_loss.build(y_pred)
        names = self._compile_loss.output_names if self._compile_loss is not None else (
            names or ["output_" + str(i + 1) for i in range(len(tree.flatten(y_pred)))])
        if not self._compile_metrics.built:
            self._compile_metrics.build(y, y_pred, names)
        self._output_loss_trackers = []
        if self._compile_loss is not None and len(self._compile_loss.needs_target) > 1:
            # As Keras 3: per-output "<name>_loss" logs only when more than one output has a loss.
            self._output_loss_trackers = [compile_utils.LossTracker(f"{n}_loss")
                                          for n in self._compile_loss.needs_target]
        self._metrics_built = True

    def _update_trackers(self, loss, x, y, y_pred, sample_weight) -> None:
        batch_size = tree.flatten(x)[0].shape[0]
        self._loss_tracker.update_state(loss, batch_size)
        if self._output_loss_trackers:
            values = [v for v in self._compile_loss.last_output_losses if v is not None]
            for tracker, value in zip(self._output_loss_trackers, values):
                tracker.update_state(value, batch_size)
        self.compute_metrics(x, y, _detached(y_pred), sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return the (lazy) logs, as Keras 3."""
        if not self._metrics_built:
            self._build_compiled(y, y_pred)
        self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self._step_logs


def _detached(y_pred):
    """``y_pred`` cut from the graph for the metrics, keeping its Keras mask.

    ``detach`` returns a new tensor without the ``_keras_mask`` attribute; the
    metrics weight samples by that mask, as Keras's compiled metrics do.
    """
    if not isinstance(y_pred, torch.Tensor):
        return y_pred
    out = y_pred.detach()
    mask = getattr(y_pred, "_keras_mask", None)
    if mask is not None:
        out._keras_mask = mask
    return out
