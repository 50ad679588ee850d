"""Keras 2 metrics that Keras 3 removed: ``MeanRelativeError``, ``MeanTensor``, stateful metric layers.

``MeanRelativeError`` and ``MeanTensor`` follow tf.keras 2.15
(``keras.metrics.MeanRelativeError``, ``keras.metrics.MeanTensor``):
arguments, defaults, configs and numbers.  :class:`StatefulLayerMetric` runs
the stateful metrics of standalone Keras 2.1-2.2, written as layers.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.backend_functions import update_scope
from keraton.losses.loss import squeeze_or_expand_to_same_rank
from keraton.metrics.metric import Metric
from keraton.metrics.reduction_metrics import Mean, divide_no_nan, to_tensor

__all__ = ["MeanRelativeError", "MeanTensor"]


class MeanRelativeError(Mean):
    """Running mean of ``|y_true - y_pred| / normalizer``, as tf.keras 2's ``MeanRelativeError``.

    ``normalizer`` (a number or an array broadcastable to ``y_true``) divides
    the absolute errors, with 0 where it is 0.  The config is
    ``{'name', 'dtype', 'normalizer'}`` with ``normalizer`` as a (nested) list.

    Example:
        >>> m = MeanRelativeError(normalizer=[1, 3, 2, 3])
        >>> m.update_state([1, 3, 2, 3], [2, 4, 6, 8])
        >>> round(float(m.result()), 4)
        1.25
    """

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if normalizer is None:
            raise ValueError("MeanRelativeError: `normalizer` must be a number or an array "
                             "broadcastable to `y_true`; received None.")
        self.normalizer = to_tensor(np.asarray(normalizer), self._torch_dtype, self._device)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the weighted mean of the relative errors of one batch."""
        y_true = to_tensor(y_true, self._torch_dtype, self._device)
        y_pred = to_tensor(y_pred, self._torch_dtype, self._device)
        y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
        normalizer = self.normalizer.to(y_pred.device)
        if y_pred.dim() == normalizer.dim() + 1 and y_pred.shape[-1] == 1:
            y_pred = y_pred.squeeze(-1)
        if y_pred.shape != y_true.shape:
            raise ValueError(f"{self.name}: y_pred of shape {tuple(y_pred.shape)} does not match "
                             f"y_true of shape {tuple(y_true.shape)}; pass equal shapes.")
        errors = divide_no_nan(torch.abs(y_true - y_pred), normalizer.expand_as(y_true))
        super().update_state(errors, sample_weight=sample_weight)

    def get_config(self) -> dict:
        """``{'name', 'dtype', 'normalizer'}``, as tf.keras 2."""
        normalizer = self.normalizer.cpu().numpy()
        return {**super().get_config(),
                "normalizer": normalizer.tolist() if normalizer.ndim else float(normalizer)}


class MeanTensor(Metric):
    """Element-wise running (weighted) mean of tensors, as tf.keras 2's ``MeanTensor``.

    The result has the shape of the values; ``shape`` fixes it up front,
    otherwise the first update sets it, and later updates of another shape
    raise ``ValueError``.  ``sample_weight`` (of the values' rank, or one less:
    one weight per row) broadcasts to the values; where tf.keras 2 would fail
    later on a weight that does not broadcast, this raises ``ValueError``.

    Example:
        >>> m = MeanTensor()
        >>> m.update_state([0, 1, 2, 3]); m.update_state([4, 5, 6, 7])
        >>> m.result()
        tensor([2., 3., 4., 5.])
    """

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._built = False
        if shape is not None:
            self._build(shape)

    def _build(self, shape):
        self._shape = tuple(int(d) for d in shape)
        self.add_variable(self._shape, "zeros", name="total")
        self.add_variable(self._shape, "zeros", name="count")
        self._built = True

    @property
    def total(self):
        """The running weighted sum (``None`` before the shape is known)."""
        return self._variables[0] if self._built else None

    @property
    def count(self):
        """The running sum of weights (``None`` before the shape is known)."""
        return self._variables[1] if self._built else None

    def update_state(self, values, sample_weight=None):
        """Add ``values * sample_weight`` to ``total`` and ``sample_weight`` to ``count``."""
        values = to_tensor(values, self._torch_dtype, self._device)
        if not self._built:
            self._build(values.shape)
        elif tuple(values.shape) != self._shape:
            raise ValueError(
                "MeanTensor input values must always have the same shape. Expected shape (set "
                f"during the first call): {self._shape}. Got: {tuple(values.shape)}."
            )
        num_values = torch.ones_like(values)
        if sample_weight is not None:
            weight = to_tensor(sample_weight, self._torch_dtype, self._device)
            if weight.dim() == values.dim() + 1 and weight.shape[-1] == 1:
                weight = weight.squeeze(-1)
            elif weight.dim() == values.dim() - 1:
                weight = weight.unsqueeze(-1)
            try:
                weight = torch.broadcast_to(weight, values.shape)
            except RuntimeError:
                raise ValueError(
                    f"MeanTensor: sample_weight of shape {tuple(weight.shape)} does not broadcast "
                    f"to the values' shape {tuple(values.shape)}; pass one weight per value, per "
                    "row, or a scalar."
                ) from None
            num_values = num_values * weight
            values = values * weight
        with torch.no_grad():
            self.total.add_(values)
            self.count.add_(num_values)

    def result(self):
        """``total / count`` element-wise (0 where ``count`` is 0)."""
        if not self._built:
            raise ValueError("MeanTensor does not have any value yet. Call the MeanTensor "
                             "instance or use `.update_state(value)` before retrieving the result.")
        return divide_no_nan(self.total, self.count)

    def get_config(self) -> dict:
        """``{'name', 'dtype'}``, as tf.keras 2 (``shape`` is not part of it)."""
        return super().get_config()


class StatefulLayerMetric(Metric):
    """A Keras 2.1-2.2 stateful metric written as a layer, run as a ``Metric``.

    Before ``keras.metrics.Metric`` existed, Keras 2.1.3-2.2.5 took in
    ``compile(metrics=[...])`` a ``Layer`` subclass with ``stateful = True``,
    a ``reset_states()`` method and ``__call__(y_true, y_pred)`` returning the
    running value (a count of true positives so far, say).  As there, it is logged
    under the layer's ``name``, reports the value returned for the last batch
    (so an epoch's logs hold the epoch's running total, not a mean over
    batches), and is reset at the start of every epoch and of every
    ``evaluate``.  Sample weights do not reach it (a running count has no
    per-sample values to weight).

    As Keras 2's graph ran them, the layer's updates (``K.update_add``,
    ``add_update([(variable, value)])``) are assigned after ``__call__``
    returns (see :mod:`keraton.backend_functions.update_scope`), so the value
    it returns reads its variables from before the batch, in ``fit`` and in
    ``evaluate`` alike.
    """

    def __init__(self, layer):
        super().__init__(name=layer.name)
        self.layer = layer
        self._value = None
        self._created = []  # variables its __call__ creates, made on the first batch only

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Call the layer on the batch, then assign its updates; keep the running value it returned."""
        del sample_weight
        with update_scope.UpdateScope(None, {}, self._created) as scope:
            value = self.layer(y_true, y_pred)
            scope.flush()
        self._value = value.detach() if isinstance(value, torch.Tensor) else torch.as_tensor(value)

    def result(self):
        """The value the layer returned for the last batch (0 before any)."""
        return self._value if self._value is not None else torch.zeros((), dtype=self._torch_dtype)

    def reset_state(self):
        """Reset the layer's state (``reset_states()``, Keras 2's name)."""
        self._value = None
        self.layer.reset_states()
