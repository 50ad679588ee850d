"""``train_on_batch``, ``test_on_batch``, ``predict_on_batch``: one step on one batch, as Keras.

Mixed into :class:`~keraton.trainers.trainer.Trainer`; each call converts the
batch as ``fit`` does and runs the same ``train_step``/``test_step``/``predict_step``.
"""

from __future__ import annotations

import torch

from keraton.layers import call_context
from keraton.mixed_precision.autocast import float32_outputs
from keraton.trainers.data_adapters import get_data_adapter
from keraton.trainers.data_prep import prepare_data
from keraton.trainers.step_logs import MetricsLogs, flatten_logs
from keraton.trainers.step_logs import to_floats as _to_floats
from keraton.utils import tree


class OnBatchMixin:
    """The single-batch half of Keras's training API."""

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """Run one training step on a single batch and return its loss/metrics, as Keras."""
        self._assert_compiled("train_on_batch")
        data, _ = prepare_data(self, x, y, sample_weight, class_weight=class_weight)
        if reset_metrics:
            self.reset_metrics()
        self._build_from_data(get_data_adapter(*data, batch_size=1))
        self._prepare_training_state()
        self._step_logs = MetricsLogs(self)
        with call_context.loop_mode(self, True):
            logs = _to_floats(self.train_step(_to_device(data, self._device())))
        return self._format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Evaluate a single batch and return its loss/metrics, as Keras."""
        self._assert_compiled("test_on_batch")
        data, _ = prepare_data(self, x, y, sample_weight)
        if reset_metrics:
            self.reset_metrics()
        self._build_from_data(get_data_adapter(*data, batch_size=1))
        self._collect_regularization()
        self._step_logs = MetricsLogs(self)
        with call_context.inference_grad_mode(self), call_context.loop_mode(self, False):
            logs = _to_floats(self.test_step(_to_device(data, self._device())))
        return self._format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """Return the model's outputs for a single batch as NumPy arrays."""
        data, _ = prepare_data(self, x, None, None, for_predict=True)
        with call_context.inference_grad_mode(self, inference=True), \
                call_context.loop_mode(self, False):
            out = self.predict_step(_to_device(data, self._device()))
        return tree.map_structure(lambda t: t.detach().cpu().numpy(), float32_outputs(out))

    def _format_logs(self, logs: dict, return_dict: bool):
        """What ``evaluate``/``*_on_batch`` return from their float logs: the (sorted) dict, or its values in
        Keras 3's order (loss, compiled metrics by their own names, per-output losses,
        then the remaining names sorted); a single value alone."""
        logs = flatten_logs(logs)
        if return_dict:
            return logs
        values = [logs[name] for name in self._ordered_log_names(list(logs))]
        return values[0] if len(values) == 1 else values


def _to_device(data, device):
    """The batch on ``device``, always as fresh tensors: a model that updates its inputs in place
    (Keras 2's ``inputs -= K.mean(inputs, ...)``) must not write into the caller's arrays."""
    return tree.map_structure(
        lambda t: t.to(device, copy=True) if isinstance(t, torch.Tensor) else t, data)
