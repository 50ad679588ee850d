"""Reduction metrics: ``Sum``, ``Mean`` and ``MeanMetricWrapper`` (Keras 3 semantics).

A sample-weighted ``Mean`` is ``sum(v * w) / sum(w)``; values with more axes
than the weights are first averaged over the extra axes, exactly as Keras's
``reduce_to_samplewise_values``.
"""

from __future__ import annotations

import torch

from keraton.losses.loss import apply_mask, squeeze_or_expand_to_same_rank
from keraton.metrics.metric import Metric
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def to_tensor(x, dtype, device):
    """``x`` as a tensor of ``dtype`` on ``device`` (no copy when it already is one)."""
    if not isinstance(x, torch.Tensor):
        return torch.as_tensor(x, dtype=dtype, device=device)
    if x.dtype is not dtype or x.device != device:
        return x.to(device=device, dtype=dtype)
    return x


def divide_no_nan(num, den):
    """``num / den`` with 0 where ``den == 0`` (Keras ``ops.divide_no_nan``), no host sync."""
    safe = torch.where(den != 0, den, torch.ones_like(den))
    return torch.where(den != 0, num / safe, torch.zeros_like(num / safe))


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, device):
    """Weight ``values`` and reduce them to one value per sample, as Keras does for metrics.

    Returns ``(values, sample_weight)``, with ``values`` of rank <= 1 and
    ``sample_weight`` reduced to match (or ``None``).
    """
    mask = getattr(values, "_keras_mask", None)
    values = to_tensor(values, dtype, device)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype, device)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask.to(device), dtype, "sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.dim()
        values_ndim = values.dim()
        if values_ndim > weight_ndim:
            values = reduce_fn(values, dim=list(range(weight_ndim, values_ndim)))
        sample_weight = torch.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, dim=list(range(1, weight_ndim)))
    if values.dim() > 1:
        values = reduce_fn(values, dim=list(range(1, values.dim())))
    return values, sample_weight


class Sum(Metric):
    """Running (weighted) sum of the values (Keras ``metrics.Sum``, name ``'sum'``)."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        """Add ``sum(values * sample_weight)`` to the total."""
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum,
                                                self._torch_dtype, self._device)
        self.total.add_(values.sum())

    def result(self):
        """The running total."""
        return self.total.clone()


class Mean(Metric):
    """Running (weighted) mean of the values (Keras ``metrics.Mean``, name ``'mean'``).

    Result is ``total / count`` with ``count`` the number of samples or the sum
    of the sample weights; 0 before any update.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        """Accumulate ``sum(values * w)`` and ``sum(w)`` (or the number of samples)."""
        if sample_weight is None and getattr(values, "_keras_mask", None) is None:
            # Short path: the sum of per-sample means is sum(values) / values-per-sample.
            values = to_tensor(values, self._torch_dtype, self._device)
            if values.dim() == 0:
                self.total.add_(values)
                self.count.add_(1)
                return
            n = values.shape[0]
            if n:
                self.total.add_(values.sum(), alpha=n / values.numel())
                self.count.add_(n)
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, torch.mean,
                                                            self._torch_dtype, self._device)
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def result(self):
        """``total / count`` (0 when ``count`` is 0)."""
        return divide_no_nan(self.total, self.count)


def _is_loss(fn):
    from keraton import losses

    return fn in losses.ALL_OBJECTS or type(fn) in losses.ALL_OBJECTS


class MeanMetricWrapper(Mean):
    """Mean of ``fn(y_true, y_pred, **kwargs)`` over all samples (Keras ``MeanMetricWrapper``).

    A mask on ``y_pred._keras_mask`` is folded into the sample weights.  The
    config keeps the serialized ``fn`` and its keyword arguments.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        self._squeeze = not getattr(fn, "__module__", "").startswith("keraton.")
        if _is_loss(fn):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Compute ``fn`` on the batch and add its per-sample values to the mean.

        keraton's own metric and loss functions match the ranks themselves, as
        Keras 3's: targets ``(n,)`` against predictions ``(n, 1)`` give one
        value per sample. A user's function gets, as from Keras 2's wrapper
        (``squeeze_or_expand_dimensions``), targets and predictions whose ranks
        differ by one trailing axis of size 1 with that axis squeezed: a custom
        metric such as ``K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))``
        on labels ``(n,)`` and distances ``(n, 1)`` compares sample with sample
        (Keras 3 passes them as they are, and such a metric broadcasts to an
        ``(n, n)`` table).
        """
        mask = getattr(y_pred, "_keras_mask", None)
        if (self._squeeze and isinstance(y_true, torch.Tensor)
                and isinstance(y_pred, torch.Tensor)):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, expand_rank_1=False)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            if sample_weight is not None:
                sample_weight = to_tensor(sample_weight, self._torch_dtype, self._device)
            sample_weight = apply_mask(sample_weight, mask.to(self._device), self._torch_dtype,
                                       "sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        """``{'name', 'dtype', 'fn', **kwargs}`` as Keras's ``MeanMetricWrapper``."""
        config = super().get_config()
        config["fn"] = serialize_keras_object(self._fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild the wrapper, resolving ``fn`` among keraton's metric and loss functions."""
        config = dict(config)
        if "fn" in config:
            from keraton.metrics import FUNCTIONS_DICT

            config["fn"] = deserialize_keras_object(config["fn"], module_objects=FUNCTIONS_DICT,
                                                    kind="metric function")
        return cls(**config)
