"""F-scores, matching ``keras.src.metrics.f_score_metrics`` of Keras 3.

``FBetaScore`` and ``F1Score`` accumulate weighted true positives, false
positives, false negatives and label support per class (or globally for
``average='micro'``) and compute ``(1 + b^2) * p * r / (b^2 * p + r)`` from
them in ``result()``, with Keras's ``epsilon`` guards in every division.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.metrics.metric import Metric
from keraton.metrics.reduction_metrics import to_tensor

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score of multi-class or multi-label predictions (Keras ``metrics.FBetaScore``).

    ``y_true`` and ``y_pred`` have shape ``(batch, num_classes)``.  A prediction
    counts as positive when ``y_pred > threshold``; with ``threshold=None`` the
    highest score of each row (ties included, and only if not ~0) is positive.
    ``average`` is ``None`` (one score per class), ``'micro'`` (global counts),
    ``'macro'`` (mean of the class scores) or ``'weighted'`` (class scores
    weighted by the weighted number of true labels).  ``beta`` and ``threshold``
    must be Python floats, as in Keras.  Log name ``'fbeta_score'``.

    Example::

        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> [round(v, 4) for v in m.result().tolist()]
        [0.3846, 0.9091, 0.8333]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError("Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred_shape} "
                             f"and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted true/false positives, false negatives and support."""
        y_true = to_tensor(y_true, self._torch_dtype, self._device)
        y_pred = to_tensor(y_pred, self._torch_dtype, self._device)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if self.threshold is None:
            top = torch.amax(y_pred, dim=-1, keepdim=True)
            positive = (y_pred >= top) & (torch.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = positive.to(self._torch_dtype)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, self._torch_dtype, self._device)
            if sample_weight.dim() == 1:
                sample_weight = sample_weight.unsqueeze(1)

        def weighted_sum(value):
            if sample_weight is not None:
                value = value * sample_weight
            return value.sum() if self.axis is None else value.sum(dim=self.axis)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self):
        """The F-beta score: per class (``average=None``) or averaged as ``average`` says."""
        eps = backend.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (self.intermediate_weights.sum() + eps)
            return torch.sum(score * weights)
        if self.average is not None:  # micro (already a scalar) or macro
            return torch.mean(score)
        return score

    def get_config(self):
        """``{'name', 'dtype', 'average', 'beta', 'threshold'}``, as Keras."""
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score, the harmonic mean of precision and recall (Keras ``metrics.F1Score``).

    ``FBetaScore`` with ``beta=1.0``; same ``average`` and ``threshold``
    arguments; log name ``'f1_score'``; the config leaves ``beta`` out, as Keras.

    Example::

        >>> m = F1Score(threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> [round(v, 4) for v in m.result().tolist()]
        [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        """``{'name', 'dtype', 'average', 'threshold'}``, as Keras."""
        config = super().get_config()
        del config["beta"]
        return config
