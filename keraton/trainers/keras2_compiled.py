"""tf.keras 2's ``model.compiled_loss`` and ``model.compiled_metrics``, for Keras 2 custom ``train_step``s.

tf.keras 2's guide to customizing ``fit`` writes a train step as::

    y_pred = self(x, training=True)
    loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
    ...
    self.compiled_metrics.update_state(y, y_pred)
    return {m.name: m.result() for m in self.metrics}

Keras 3 dropped both attributes (it has ``compute_loss``/``compute_metrics``);
keraton keeps them as views of the compiled loss and metrics, with tf.keras
2's behaviour: calling ``compiled_loss`` returns the weighted sum of the
compiled losses plus the sum of ``regularization_losses`` and adds that total
to the ``loss`` tracker (and each output's unweighted loss to its
``<output>_loss`` tracker), weighted by the batch size.
"""

from __future__ import annotations

import torch

from keraton.utils import tree


class CompiledLoss:
    """tf.keras 2's ``LossesContainer`` as ``model.compiled_loss`` exposes it."""

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """The total loss of a batch, recorded in the loss tracker(s) as tf.keras 2 does.

        Returns None when neither a compiled loss nor ``regularization_losses``
        give one (tf.keras 2's "no loss results").
        """
        model = self._model
        if not model._metrics_built:
            model._build_compiled(y_true, y_pred)
        compiled = model._compile_loss
        total = None if compiled is None else compiled(y_true, y_pred, sample_weight)
        if regularization_losses:
            extra = torch.stack([torch.as_tensor(v, dtype=torch.float32).reshape(())
                                 for v in regularization_losses]).sum()
            total = extra if total is None else total + extra
        if total is None:
            return None
        batch_size = tree.flatten(y_true)[0].shape[0] if y_true is not None else None
        model._loss_tracker.update_state(total.detach(), batch_size)
        if model._output_loss_trackers:
            values = compiled.last_output_losses
            for tracker, i in zip(model._output_loss_trackers, model._output_loss_index):
                tracker.update_state(values[i].detach(), batch_size)
        return total

    @property
    def metrics(self) -> list:
        """The loss trackers: ``loss``, then one per output with a loss when there are several."""
        return [self._model._loss_tracker] + list(self._model._output_loss_trackers)

    def reset_state(self) -> None:
        """Reset the loss trackers."""
        for metric in self.metrics:
            metric.reset_state()


class CompiledMetrics:
    """tf.keras 2's ``MetricsContainer`` as ``model.compiled_metrics`` exposes it."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Update the compiled metrics with a batch (built on the first one, as tf.keras 2)."""
        model = self._model
        if not model._metrics_built:
            model._build_compiled(y_true, y_pred)
        model._compile_metrics.update_state(y_true, y_pred, sample_weight)

    @property
    def metrics(self) -> list:
        """The compiled metric objects (empty until the first batch builds them, as tf.keras 2)."""
        compiled = self._model._compile_metrics
        return list(compiled.metrics) if compiled is not None and compiled.built else []

    def reset_state(self) -> None:
        """Reset the compiled metrics."""
        for metric in self.metrics:
            metric.reset_state()


class Keras2CompiledMixin:
    """``compiled_loss`` / ``compiled_metrics`` on a model: None until ``compile``, as tf.keras 2."""

    @property
    def compiled_loss(self):
        """tf.keras 2's callable loss container (see the module docstring); None before ``compile``."""
        return CompiledLoss(self) if self.compiled else None

    @property
    def compiled_metrics(self):
        """tf.keras 2's metrics container with ``update_state``; None before ``compile``."""
        return CompiledMetrics(self) if self.compiled else None
