"""Confusion-matrix metrics, matching ``keras.src.metrics.confusion_metrics`` of Keras 3.

``TruePositives``/``FalsePositives``/``TrueNegatives``/``FalseNegatives``,
``Precision``, ``Recall``, the "X at Y" metrics and ``AUC`` accumulate
weighted confusion counts per threshold (a prediction is positive when
``y_pred > threshold``) and compute their value from them in ``result()``.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.metrics import metrics_utils
from keraton.metrics.metric import Metric
from keraton.metrics.metrics_utils import ConfusionMatrix
from keraton.metrics.reduction_metrics import divide_no_nan

TP, FP = ConfusionMatrix.TRUE_POSITIVES, ConfusionMatrix.FALSE_POSITIVES
TN, FN = ConfusionMatrix.TRUE_NEGATIVES, ConfusionMatrix.FALSE_NEGATIVES


class _ThresholdMetric(Metric):
    """Shared set-up: parsed thresholds, their cached tensor and the accumulate call."""

    def _set_thresholds(self, thresholds, evenly=None):
        self.thresholds = thresholds
        if evenly is None:
            evenly = metrics_utils.is_evenly_distributed_thresholds(thresholds)
        self._thresholds_distributed_evenly = evenly
        self._cache_thresholds = torch.tensor([float(t) for t in thresholds],
                                              dtype=self._torch_dtype, device=self._device)

    def _accumulate(self, variables, y_true, y_pred, sample_weight, **kwargs):
        metrics_utils.update_confusion_matrix_variables(
            variables, y_true, y_pred, self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, thresholds_tensor=self._cache_thresholds, **kwargs)

    def _counts(self):
        return self.add_variable((len(self.thresholds),), "zeros")


class _ConfusionMatrixConditionCount(_ThresholdMetric):
    """Weighted count of one confusion-matrix condition per threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self._set_thresholds(metrics_utils.parse_init_thresholds(thresholds, 0.5))
        self.accumulator = self._counts()

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's (weighted) count at each threshold."""
        self._accumulate({self._condition: self.accumulator}, y_true, y_pred, sample_weight)

    def result(self):
        """The count (a scalar for one threshold, else one value per threshold)."""
        return self.accumulator[0].clone() if len(self.thresholds) == 1 else self.accumulator.clone()

    def get_config(self):
        """``{'name', 'dtype', 'thresholds'}``."""
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted number of true positives (Keras ``TruePositives``)."""

    _condition = TP


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted number of false positives (Keras ``FalsePositives``)."""

    _condition = FP


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of true negatives (Keras ``TrueNegatives``)."""

    _condition = TN


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of false negatives (Keras ``FalseNegatives``)."""

    _condition = FN


class _PrecisionRecall(_ThresholdMetric):
    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else metrics_utils.NEG_INF
        self._set_thresholds(metrics_utils.parse_init_thresholds(thresholds, default))
        self.true_positives = self._counts()
        self._other_counts = self._counts()

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate true positives and the other count of the ratio for this batch."""
        self._accumulate({TP: self.true_positives, self._other: self._other_counts},
                         y_true, y_pred, sample_weight, top_k=self.top_k, class_id=self.class_id)

    def result(self):
        """``tp / (tp + other)`` (0 where undefined); scalar for one threshold."""
        value = divide_no_nan(self.true_positives, self.true_positives + self._other_counts)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        """``{'name', 'dtype', 'thresholds', 'top_k', 'class_id'}``."""
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)`` (Keras ``Precision(thresholds, top_k, class_id)``, name ``'precision'``)."""

    _other = FP

    @property
    def false_positives(self):
        """Accumulated false positives per threshold."""
        return self._other_counts


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)`` (Keras ``Recall(thresholds, top_k, class_id)``, name ``'recall'``)."""

    _other = FN

    @property
    def false_negatives(self):
        """Accumulated false negatives per threshold."""
        return self._other_counts


class _SensitivitySpecificityBase(_ThresholdMetric):
    """Shared state of the "X at Y" metrics: the four counts at ``num_thresholds`` thresholds."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            self._set_thresholds([0.5], evenly=False)
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._set_thresholds([0.0] + inner + [1.0], evenly=True)
        self.true_positives = self._counts()
        self.false_positives = self._counts()
        self.true_negatives = self._counts()
        self.false_negatives = self._counts()

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the four confusion counts for this batch."""
        self._accumulate({TP: self.true_positives, TN: self.true_negatives,
                          FP: self.false_positives, FN: self.false_negatives},
                         y_true, y_pred, sample_weight, class_id=self.class_id)

    def _rates(self):
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        return {"sensitivity": divide_no_nan(tp, tp + fn), "recall": divide_no_nan(tp, tp + fn),
                "specificity": divide_no_nan(tn, tn + fp), "precision": divide_no_nan(tp, tp + fp)}

    def result(self):
        """Best ``_target`` rate among thresholds where ``_constraint`` rate >= ``value``."""
        rates = self._rates()
        feasible = rates[self._constraint] >= self.value
        best = torch.where(feasible, rates[self._target], 0.0)
        return torch.clamp(torch.amax(best), min=0.0)

    def get_config(self):
        """``{'name', 'dtype', 'class_id', 'num_thresholds', <constraint value>}``."""
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._constraint: self.value}


def _at_metric(cls_name, target, constraint, doc):
    def __init__(self, value=None, num_thresholds=200, class_id=None, name=None, dtype=None,
                 **kwargs):
        value = kwargs.pop(constraint, value)
        if kwargs:
            raise TypeError(f"{cls_name}() got unexpected arguments {sorted(kwargs)}")
        if value is None or value < 0 or value > 1:
            raise ValueError(f"Argument `{constraint}` must be in the range [0, 1]. "
                             f"Received: {constraint}={value}")
        setattr(self, constraint, value)
        _SensitivitySpecificityBase.__init__(self, value, num_thresholds=num_thresholds,
                                             class_id=class_id, name=name, dtype=dtype)

    return type(cls_name, (_SensitivitySpecificityBase,),
                {"__init__": __init__, "_target": target, "_constraint": constraint,
                 "__doc__": doc, "__module__": __name__})


SensitivityAtSpecificity = _at_metric(
    "SensitivityAtSpecificity", "sensitivity", "specificity",
    "Best sensitivity where specificity >= ``specificity`` (Keras ``SensitivityAtSpecificity``).")
SpecificityAtSensitivity = _at_metric(
    "SpecificityAtSensitivity", "specificity", "sensitivity",
    "Best specificity where sensitivity >= ``sensitivity`` (Keras ``SpecificityAtSensitivity``).")
PrecisionAtRecall = _at_metric(
    "PrecisionAtRecall", "precision", "recall",
    "Best precision where recall >= ``recall`` (Keras ``PrecisionAtRecall``).")
RecallAtPrecision = _at_metric(
    "RecallAtPrecision", "recall", "precision",
    "Best recall where precision >= ``precision`` (Keras ``RecallAtPrecision``).")


class AUC(_ThresholdMetric):
    """Area under the ROC or PR curve (Keras ``AUC``), from confusion counts at thresholds.

    ``num_thresholds`` evenly spaced thresholds (or explicit ``thresholds``)
    plus ``-epsilon`` and ``1 + epsilon``; ``curve`` is ``'ROC'``, ``'PR'`` or
    ``'PRGAIN'``; ``summation_method`` ``'interpolation'`` (PR uses Davis &
    Goadrich's interpolation), ``'minoring'`` or ``'majoring'``.
    ``multi_label=True`` keeps one curve per label and averages the areas
    (weighted by ``label_weights``); ``from_logits`` applies a sigmoid first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        eps = backend.epsilon()
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            evenly = metrics_utils.is_evenly_distributed_thresholds([0.0] + thresholds + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        self._set_thresholds([0.0 - eps] + list(thresholds) + [1.0 + eps], evenly=evenly)
        self.curve = curve if isinstance(curve, metrics_utils.AUCCurve) else \
            metrics_utils.AUCCurve.from_str(curve)
        self.summation_method = summation_method \
            if isinstance(summation_method, metrics_utils.AUCSummationMethod) else \
            metrics_utils.AUCSummationMethod.from_str(summation_method)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._init_label_weights = None if label_weights is None else \
            [float(w) for w in torch.as_tensor(label_weights).reshape(-1).tolist()]
        self._cache_label_weights = None if label_weights is None else \
            torch.tensor(self._init_label_weights, dtype=self._torch_dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def label_weights(self):
        """The label weights as a tensor (or None)."""
        return self._cache_label_weights

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(var_shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(var_shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(var_shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(var_shape, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the four confusion counts at every threshold for this batch."""
        if not self._built:
            self._build(tuple(torch.as_tensor(y_pred).shape) if not hasattr(y_pred, "shape")
                        else tuple(y_pred.shape))
        if self._from_logits:
            y_pred = torch.sigmoid(torch.as_tensor(y_pred))
        self._accumulate({TP: self.true_positives, TN: self.true_negatives,
                          FP: self.false_positives, FN: self.false_negatives},
                         y_true, y_pred, sample_weight, multi_label=self.multi_label,
                         label_weights=None if self.multi_label else self.label_weights)

    def _average_labels(self, by_label):
        if self.label_weights is None:
            return torch.mean(by_label)
        weights = self.label_weights.to(by_label.device)
        return divide_no_nan(torch.sum(by_label * weights), torch.sum(weights))

    def interpolate_pr_auc(self):
        """PR-AUC by Davis & Goadrich's interpolation between thresholds, as Keras."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where((p[: n - 1] > 0) & (p[1:] > 0),
                                   divide_no_nan(p[: n - 1], torch.clamp(p[1:], min=0)),
                                   torch.ones_like(p[1:]))
        increment = divide_no_nan(prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
                                  torch.clamp(tp[1:] + fn[1:], min=0))
        if self.multi_label:
            return self._average_labels(torch.sum(increment, dim=0))
        return torch.sum(increment)

    def result(self):
        """The area under the chosen curve (averaged over labels with ``multi_label``)."""
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype)
        Curve, Sum = metrics_utils.AUCCurve, metrics_utils.AUCSummationMethod
        if self.curve == Curve.PR and self.summation_method == Sum.INTERPOLATION:
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == Curve.ROC:
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == Curve.PR:
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            recall_gain = torch.clamp(torch.where(tp == 0, 0.0, recall_gain), min=0.0)
            x, y = recall_gain, torch.where(tp == 0, 1.0, precision_gain)
        n = self.num_thresholds
        if self.summation_method == Sum.INTERPOLATION:
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == Sum.MINORING:
            heights = torch.minimum(y[: n - 1], y[1:])
        else:
            heights = torch.maximum(y[: n - 1], y[1:])
        riemann = (x[: n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._average_labels(torch.sum(riemann, dim=0))
        return torch.sum(riemann)

    def get_config(self):
        """Keras's AUC config (thresholds only when given explicitly)."""
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve.value, "summation_method": self.summation_method.value,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self._init_label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
