"""Correlation metrics, matching ``keras.src.metrics.correlation_metrics`` of Keras 3.

``pearson_correlation`` and ``concordance_correlation`` compute one
coefficient per slice along ``axis`` (the last axis by default, so one per
sample for 2-D inputs); the classes average them over all samples and batches
like any :class:`~keraton.metrics.MeanMetricWrapper`.  Variances are
population variances (no Bessel correction), as in Keras.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.losses.loss import squeeze_or_expand_to_same_rank
from keraton.metrics.reduction_metrics import MeanMetricWrapper


def _prep(y_true, y_pred):
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred, dtype=backend.torch_dtype(None))
    elif not y_pred.is_floating_point():
        y_pred = y_pred.to(backend.torch_dtype(None))
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient along ``axis`` (Keras ``metrics.pearson_correlation``).

    Both inputs are centred and divided by their standard deviation along
    ``axis``; the result is the mean of their product, in ``[-1, 1]``.
    """
    y_true, y_pred = _prep(y_true, y_pred)
    y_true = y_true - torch.mean(y_true, dim=axis, keepdim=True)
    y_pred = y_pred - torch.mean(y_pred, dim=axis, keepdim=True)
    y_true = y_true / torch.std(y_true, dim=axis, keepdim=True, correction=0)
    y_pred = y_pred / torch.std(y_pred, dim=axis, keepdim=True, correction=0)
    return torch.mean(y_true * y_pred, dim=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis`` (Keras ``metrics.concordance_correlation``).

    ``2 * cov / (var_true + var_pred + (mean_true - mean_pred)^2 + epsilon)``,
    with the covariance term computed exactly as Keras 3.15 does it: both
    factors are centred on the *prediction* mean,
    ``mean((y_true - mean_pred) * (y_pred - mean_pred))``.
    """
    y_true, y_pred = _prep(y_true, y_pred)
    true_mean = torch.mean(y_true, dim=axis, keepdim=True)
    pred_mean = torch.mean(y_pred, dim=axis, keepdim=True)
    true_var = torch.var(y_true - true_mean, dim=axis, keepdim=True, correction=0)
    pred_var = torch.var(y_pred - pred_mean, dim=axis, keepdim=True, correction=0)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + torch.square(true_mean - pred_mean)
    return torch.mean(2 * covar / (norm + backend.epsilon()), dim=axis)


class _CorrelationMean(MeanMetricWrapper):
    """Mean of a correlation function along ``axis``; config ``{'name', 'dtype', 'axis'}``."""

    _fn_ = None

    def __init__(self, name=None, dtype=None, axis=-1):
        super().__init__(type(self)._fn_, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype', 'axis'}``, as Keras."""
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_CorrelationMean):
    """Mean Pearson correlation of labels and predictions (Keras ``PearsonCorrelation``).

    Each slice along ``axis`` gives one coefficient; the metric is their
    (sample-weighted) running mean.  Log name ``'pearson_correlation'``.

    Example::

        >>> m = PearsonCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.5]])
        >>> round(float(m.result()), 4)
        0.9979
    """

    _fn_ = staticmethod(pearson_correlation)

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_CorrelationMean):
    """Mean concordance correlation of labels and predictions (Keras ``ConcordanceCorrelation``).

    Uses :func:`concordance_correlation` (Keras 3.15's formula) per slice along
    ``axis`` and averages over samples.  Log name ``'concordance_correlation'``.

    Example::

        >>> m = ConcordanceCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
        >>> round(float(m.result()), 4)
        1.0
    """

    _fn_ = staticmethod(concordance_correlation)

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)
