"""Regression metrics, matching ``keras.src.metrics.regression_metrics`` of Keras 3.

Each is the running (weighted) mean of the loss function of the same name,
except ``RootMeanSquaredError`` (square root of the mean squared error),
``CosineSimilarity`` (the positive cosine similarity, 1 is best) and
``R2Score`` (coefficient of determination from running sums).
"""

from __future__ import annotations

import torch

from keraton.losses import functions as loss_fns
from keraton.losses.loss import squeeze_or_expand_to_same_rank
from keraton.metrics.metric import Metric
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


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination R^2 (Keras ``metrics.R2Score``, name ``'r2_score'``).

    Inputs have shape ``(batch, num_outputs)``.  Per output it accumulates the
    weighted sums of ``y``, ``y^2`` and the squared residuals, then returns
    ``1 - SS_res / SS_tot`` (0 where that is infinite).  ``class_aggregation``
    averages the outputs' scores uniformly (``'uniform_average'``), weighted by
    their variance (``'variance_weighted_average'``) or not at all (``None``).
    ``num_regressors > 0`` gives the adjusted R^2 with ``n`` = number of values
    seen (``batch * num_outputs``, as Keras counts); where that is undefined
    (``num_regressors >= n - 1``) the plain R^2 is returned, as in Keras, but
    without Keras's warning, which would need the count read back to the host.

    Example::

        >>> m = R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> round(float(m.result()), 4)
        0.5714
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_CLASS_AGGREGATIONS}. Received: class_aggregation="
                             f"{class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        shape = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(shape, name="squared_sum")
        self.sum = self.add_variable(shape, name="sum")
        self.total_mse = self.add_variable(shape, name="residual")
        self.count = self.add_variable(shape, name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the batch's weighted sums of ``y``, ``y^2``, residuals^2 and weights."""
        y_true = to_tensor(y_true, self._torch_dtype, self._device)
        y_pred = to_tensor(y_pred, self._torch_dtype, self._device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=self._torch_dtype, device=self._device)
        else:
            sample_weight = to_tensor(sample_weight, self._torch_dtype, self._device)
            if sample_weight.dim() == 1:
                sample_weight = sample_weight.unsqueeze(1)
        sample_weight = torch.broadcast_to(sample_weight, y_true.shape)
        weighted_y_true = y_true * sample_weight
        self.sum.add_(weighted_y_true.sum(dim=0))
        self.squared_sum.add_((y_true * weighted_y_true).sum(dim=0))
        self.total_mse.add_((torch.square(y_true - y_pred) * sample_weight).sum(dim=0))
        self.count.add_(sample_weight.sum(dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self):
        """R^2 aggregated as ``class_aggregation`` says (adjusted if ``num_regressors``)."""
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - self.total_mse / total
        raw_scores = torch.where(torch.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            score = torch.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = torch.sum(total * raw_scores) / torch.sum(total)
        else:
            score = raw_scores
        if self.num_regressors != 0:
            n = self.num_samples.to(torch.float32)
            p = float(self.num_regressors)
            adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
            score = torch.where(p < n - 1, adjusted, score)
        return score

    def get_config(self):
        """``{'name', 'dtype', 'class_aggregation', 'num_regressors'}``, as Keras."""
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
