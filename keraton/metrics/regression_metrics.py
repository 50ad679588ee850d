"""Regression metrics, matching ``keras.src.metrics.regression_metrics`` of Keras 3.

Each is the running (weighted) mean of the loss function of the same name,
except ``RootMeanSquaredError`` (square root of the mean squared error) and
``CosineSimilarity`` (the positive cosine similarity, 1 is best).
"""

from __future__ import annotations

import torch

from keraton.losses import functions as loss_fns
from keraton.losses.loss import squeeze_or_expand_to_same_rank
from keraton.metrics.reduction_metrics import Mean, MeanMetricWrapper, to_tensor


class _LossMean(MeanMetricWrapper):
    """A ``MeanMetricWrapper`` of a fixed function whose config is ``{'name', 'dtype'}``."""

    _fn_ = None
    _direction_ = "down"

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(type(self)._fn_, name=name, dtype=dtype, **kwargs)
        self._direction = self._direction_

    def get_config(self):
        """``{'name', 'dtype'}`` as the Keras class."""
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_LossMean):
    """Mean of squared errors (Keras ``metrics.MeanSquaredError``)."""

    _fn_ = staticmethod(loss_fns.mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(_LossMean):
    """Mean of absolute errors (Keras ``metrics.MeanAbsoluteError``)."""

    _fn_ = staticmethod(loss_fns.mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsolutePercentageError(_LossMean):
    """Mean absolute percentage error (Keras ``metrics.MeanAbsolutePercentageError``)."""

    _fn_ = staticmethod(loss_fns.mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_LossMean):
    """Mean squared logarithmic error (Keras ``metrics.MeanSquaredLogarithmicError``)."""

    _fn_ = staticmethod(loss_fns.mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class LogCoshError(_LossMean):
    """Mean of ``log(cosh(error))`` (Keras ``metrics.LogCoshError``, name ``'logcosh'``)."""

    _fn_ = staticmethod(loss_fns.log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name=name, dtype=dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity along ``axis`` (1 is best): the metric function of Keras's ``CosineSimilarity``."""
    return -loss_fns.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(_LossMean):
    """Mean cosine similarity between labels and predictions (Keras ``metrics.CosineSimilarity``)."""

    _fn_ = staticmethod(cosine_similarity)
    _direction_ = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        """``{'name', 'dtype'}`` plus ``axis`` (which Keras's config leaves out) when not -1."""
        config = super().get_config()
        if self.axis != -1:
            config["axis"] = self.axis
        return config


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean squared error (Keras ``RootMeanSquaredError``)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the squared errors of the batch."""
        y_true = to_tensor(y_true, self._torch_dtype, self._device)
        y_pred = to_tensor(y_pred, self._torch_dtype, self._device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        """``sqrt(total / count)``."""
        return torch.sqrt(super().result())
