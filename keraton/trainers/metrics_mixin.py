"""The metrics half of ``Trainer``: ``metrics``, ``metrics_names``, ``reset_metrics``, tracker updates.

Keras 3's ``model.metrics``: the loss tracker(s), the compiled metrics, then
any ``keraton.metrics.Metric`` a subclass assigned as an attribute (the
trackers of a custom ``train_step``).  Results stay tensors until read.
"""

from __future__ import annotations

import functools

import torch

from keraton.layers.layer import held_metrics
from keraton.trainers import compile_utils, step_logs
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
        """Keras 3's ``model.metrics``: the loss tracker, the compiled metrics, the per-output losses, yours.

        As Keras 3: ``Mean``-like ``loss``, then one ``compile_metrics``
        container holding the compiled metrics (when ``compile`` got any),
        then ``<output>_loss`` trackers (several outputs with a loss), then
        the ``Metric`` objects assigned as attributes of the model (a custom
        ``train_step``'s trackers, which ``fit`` resets every epoch) and of its
        layers (not of nested models).
        """
        out = [self._loss_tracker]
        compiled = self._compile_metrics
        if compiled is not None and compiled.has_metrics:
            out.append(compiled)
        return out + self._output_loss_trackers + self._tracked_metrics()

    def _tracked_metrics(self) -> list:
        cached = self.__dict__.get("_tracked_metrics_cache")
        if cached is None:
            own = (self.__dict__.get("_loss_tracker"), self.__dict__.get("_compile_metrics"))
            cached = held_metrics(self, skip=own)
            for layer in self.modules():
                if layer is not self and not isinstance(layer, MetricsMixin):
                    cached.extend(m for m in held_metrics(layer) if m not in cached)
            self.__dict__["_tracked_metrics_cache"] = cached
        return list(cached)

    def __setattr__(self, name, value):
        # model.metrics scans the attributes for Metric objects; the scan is cached
        # and dropped whenever an attribute starts or stops holding a Metric (and at
        # every compile, fit and evaluate, for metrics created in layers since).
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
        """Names of the values ``evaluate`` returns, in its order (``['loss', 'mae']``).

        Keras 2's meaning, so ``dict(zip(model.metrics_names, model.evaluate(...)))``
        pairs each name with its value. (Keras 3 returns ``[m.name for m in
        model.metrics]``, i.e. ``['loss', 'compile_metrics']``, which that
        idiom mis-pairs.) With a ``metrics`` property overridden by a subclass,
        its metrics' names, as in both.
        """
        if type(self).metrics is not MetricsMixin.metrics:
            return [m.name for m in self.metrics]
        return self._ordered_log_names(list(self._metric_results()))

    def _ordered_log_names(self, names) -> list:
        """Log ``names`` in the order ``evaluate`` lists them, as Keras 3's ``_flatten_metrics_in_order``.

        Each entry of ``model.metrics`` whose name is a log name comes in
        ``model.metrics``' order (a compiled metric by its own name, so with
        several outputs ``zeta_mae`` is not found this way), then every other
        log name, sorted. As in Keras, a name several entries share (two
        outputs of one nested model, ``metrics=['mae', 'mae']``) comes once
        per entry.
        """
        order = []
        for metric in self.metrics:
            subs = metric.metrics if isinstance(metric, compile_utils.CompileMetrics) else [metric]
            order.extend(m.name for m in subs)
        known = set(names)
        first = [n for n in order if n in known]
        return first + sorted(known.difference(first))

    def reset_metrics(self) -> None:
        """Reset the loss tracker(s) and every compiled metric."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """``{name: value}`` of every metric in ``model.metrics``, the compiled ones flattened (Keras 3)."""
        return step_logs.to_floats(self._metric_results())

    def _metric_results(self, tracked=None) -> dict:
        logs = {"loss": self._loss_tracker.result()}
        if self._compile_metrics is not None and self._compile_metrics.built:
            logs.update(self._compile_metrics.result())
        for tracker in self._output_loss_trackers:
            logs[tracker.name] = tracker.result()
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
            self._compile_metrics.build(y, y_pred, names, prefix_names=bool(self.output_names))
        self._output_loss_trackers = []
        if self._compile_loss is not None and len(self._compile_loss.needs_target) > 1:
            # As Keras 3: per-output "<name>_loss" logs only when more than one output has a loss.
            self._output_loss_index = self._compile_loss.loss_order()
            self._output_loss_trackers = [
                compile_utils.LossTracker(name) for name in _unique_names(
                    [f"{self._compile_loss.output_names[i]}_loss" for i in self._output_loss_index])]
        self._metrics_built = True

    def _update_trackers(self, loss, x, y, y_pred, sample_weight):
        """Update the loss tracker(s) and the metrics; return what ``compute_metrics`` returns.

        As Keras 3's ``train_step``/``test_step``, which return
        ``self.compute_metrics(...)``: an override's logs (keras.io's BERT MLM
        ``{"loss": loss_tracker.result()}``) are the step's logs.
        """
        batch_size = tree.flatten(x)[0].shape[0]
        self._loss_tracker.update_state(loss, batch_size)
        if self._output_loss_trackers:
            values = self._compile_loss.last_output_losses
            for tracker, i in zip(self._output_loss_trackers, self._output_loss_index):
                tracker.update_state(values[i], batch_size)
        return self.compute_metrics(x, y, _detached(y_pred), sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return the logs, as Keras 3.

        Within ``fit``/``evaluate`` the logs are the loop's lazy ones; called
        directly (before any loop) they are :meth:`get_metrics_result`'s values.
        """
        if not self._metrics_built:
            self._build_compiled(y, y_pred)
        self._compile_metrics.update_state(y, y_pred, sample_weight)
        if "_step_logs" not in self.__dict__:
            return self.get_metrics_result()
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


def _unique_names(names: list) -> list:
    """``names`` with a repeat suffixed ``_1``, ``_2``... (as the compiled metrics' names).

    Two outputs of one nested model (a GAN's discriminator on real and fake
    samples) share an output name; Keras 3 then logs one ``<name>_loss`` holding
    the last output's value for both, where Keras 2 returned each output's loss.
    """
    seen: dict = {}
    unique = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if count == 0 else f"{name}_{count}")
    return unique
