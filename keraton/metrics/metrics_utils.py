"""Confusion-matrix accumulation for thresholded metrics (Precision, Recall, AUC...).

A torch port of ``keras.src.metrics.metrics_utils.update_confusion_matrix_variables``:
counts of true/false positives/negatives at each threshold, weighted by
``sample_weight`` and ``label_weights``, added in place to the metric's state.
Evenly spaced thresholds (AUC's default) use Keras's bucketing algorithm
(O(n + T) instead of O(n * T)).  Nothing here synchronises with the host.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
import torch

from keraton import backend
from keraton.losses.loss import squeeze_or_expand_to_same_rank

NEG_INF = -1e10


class ConfusionMatrix(Enum):
    """Keys of the confusion-matrix variables, as in Keras."""

    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


class AUCCurve(Enum):
    """Curve of an ``AUC`` metric: ``'ROC'``, ``'PR'`` or ``'PRGAIN'``."""

    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        """Parse ``'roc'``/``'ROC'``, ``'pr'``/``'PR'``, ``'prgain'``/``'PRGAIN'``."""
        table = {"pr": AUCCurve.PR, "roc": AUCCurve.ROC, "prgain": AUCCurve.PRGAIN}
        if isinstance(key, str) and key in (key.lower(), key.upper()) and key.lower() in table:
            return table[key.lower()]
        raise ValueError(f'Invalid AUC curve value: "{key}". Expected values are '
                         '["PR", "ROC", "PRGAIN"]')


class AUCSummationMethod(Enum):
    """Riemann summation of an ``AUC``: ``'interpolation'``, ``'majoring'`` or ``'minoring'``."""

    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        """Parse the method name (lower case or capitalised)."""
        for method in AUCSummationMethod:
            if key in (method.value, method.value.capitalize()):
                return method
        raise ValueError(f'Invalid AUC summation method value: "{key}". Expected values are '
                         '["interpolation", "majoring", "minoring"]')


def to_list(x):
    """``x`` as a list (a scalar becomes a one-element list)."""
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """Return the thresholds as a list, checking they lie in [0, 1] (Keras's rules)."""
    if thresholds is not None:
        bad = [t for t in to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds) -> bool:
    """True if there are at least 3 thresholds equal to ``i / (n - 1)`` (within epsilon)."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def _filter_top_k(x, k):
    """Keep the top ``k`` scores of the last axis, set the others to ``NEG_INF``."""
    _, idx = torch.topk(x, k, dim=-1)
    keep = torch.zeros_like(x).scatter_(-1, idx, 1.0)
    return x * keep + NEG_INF * (1.0 - keep)


def _segment_sum(data, ids, num_segments):
    """Sum ``data`` into ``num_segments`` bins along the last axis; out-of-range ids are dropped."""
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    out = torch.zeros(data.shape[:-1] + (num_segments + 1,), dtype=data.dtype, device=data.device)
    out.scatter_add_(-1, ids, data)
    return out[..., :num_segments]


def _update_optimized(variables, y_true, y_pred, num_thresholds, multi_label, sample_weight,
                      label_weights, thresholds_with_epsilon):
    """Keras's bucketing algorithm for evenly spaced thresholds."""
    dtype = y_pred.dtype
    weights = None
    if sample_weight is not None:
        weights = torch.broadcast_to(sample_weight.to(dtype), y_pred.shape)
    if label_weights is not None:
        lw = torch.broadcast_to(label_weights.to(dtype).unsqueeze(0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    y_true = (y_true != 0).to(dtype)
    y_true = torch.broadcast_to(y_true, y_pred.shape)
    if not multi_label:
        y_true = y_true.reshape(-1)
        y_pred = y_pred.reshape(-1)
        if weights is not None:
            weights = weights.reshape(-1)
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    buckets = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if thresholds_with_epsilon:
        buckets = torch.relu(buckets)
    buckets = buckets.long()
    if multi_label:  # (N, L) -> (L, N): one histogram per label
        true_labels, false_labels, buckets = true_labels.T, false_labels.T, buckets.T
    tp_bucket = _segment_sum(true_labels, buckets, num_thresholds)
    fp_bucket = _segment_sum(false_labels, buckets, num_thresholds)
    tp = torch.flip(torch.cumsum(torch.flip(tp_bucket, [-1]), -1), [-1])
    fp = torch.flip(torch.cumsum(torch.flip(fp_bucket, [-1]), -1), [-1])
    total_true = true_labels.sum(-1, keepdim=True)
    total_false = false_labels.sum(-1, keepdim=True)
    fn = total_true - tp
    tn = total_false - fp
    values = {ConfusionMatrix.TRUE_POSITIVES: tp, ConfusionMatrix.FALSE_POSITIVES: fp,
              ConfusionMatrix.TRUE_NEGATIVES: tn, ConfusionMatrix.FALSE_NEGATIVES: fn}
    for key, variable in variables.items():
        value = values[key]
        variable.add_(value.T if multi_label else value)


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds,
                                      top_k=None, class_id=None, sample_weight=None,
                                      multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False,
                                      thresholds_tensor=None):
    """Add this batch's confusion counts at each threshold to ``variables_to_update``.

    ``variables_to_update`` maps :class:`ConfusionMatrix` keys to state tensors
    of shape ``(T,)`` (or ``(T, num_labels)`` with ``multi_label``).  A
    prediction is positive at threshold ``t`` when ``y_pred > t``.  ``top_k``
    keeps only the k highest scores per sample; ``class_id`` restricts to one
    class column.  ``thresholds_tensor`` (the thresholds on the variables'
    device) avoids a host-to-device copy per call.
    """
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    if not variables_to_update:
        return
    invalid = [k for k in variables_to_update if not isinstance(k, ConfusionMatrix)]
    if invalid:
        raise ValueError(f'Invalid keys: "{invalid}". Valid variable key options are: '
                         f'"{list(ConfusionMatrix)}"')
    first = next(iter(variables_to_update.values()))
    dtype, device = first.dtype, first.device

    def _t(x):
        if not isinstance(x, torch.Tensor):
            return torch.as_tensor(np.asarray(x), device=device).to(dtype)
        return x.to(device=device, dtype=dtype)

    y_true, y_pred = _t(y_true), _t(y_pred)
    num_thresholds = len(thresholds)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = _t(sample_weight).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if label_weights is not None:
        label_weights = _t(label_weights)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]

    if thresholds_distributed_evenly:
        with_eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        return _update_optimized(variables_to_update, y_true, y_pred, num_thresholds,
                                 multi_label, sample_weight, label_weights, with_eps)

    thr = thresholds_tensor if thresholds_tensor is not None else _t(list(thresholds))
    if multi_label:  # (T, N, L)
        preds = y_pred.unsqueeze(0)
        labels = (y_true != 0).unsqueeze(0)
        thr = thr.reshape(-1, 1, 1)
    else:  # (T, N * L)
        preds = y_pred.reshape(1, -1)
        labels = (y_true != 0).reshape(1, -1)
        thr = thr.reshape(-1, 1)
    labels = torch.broadcast_to(labels, preds.shape)
    pred_is_pos = preds > thr
    weights = None
    if sample_weight is not None:
        weights = torch.broadcast_to(sample_weight, y_pred.shape).reshape(preds.shape)
    if label_weights is not None and not multi_label:
        lw = torch.broadcast_to(label_weights.unsqueeze(0), y_pred.shape).reshape(preds.shape)
        weights = lw if weights is None else weights * lw

    def accumulate(label, pred, variable):
        hit = label & pred
        counted = hit.to(dtype) if weights is None else torch.where(hit, weights, 0.0)
        variable.add_(counted.sum(1))

    need_neg_pred = (ConfusionMatrix.FALSE_NEGATIVES in variables_to_update
                     or ConfusionMatrix.TRUE_NEGATIVES in variables_to_update)
    pred_is_neg = ~pred_is_pos if need_neg_pred else None
    label_is_neg = ~labels
    pairs = {ConfusionMatrix.TRUE_POSITIVES: (labels, pred_is_pos),
             ConfusionMatrix.FALSE_NEGATIVES: (labels, pred_is_neg),
             ConfusionMatrix.FALSE_POSITIVES: (label_is_neg, pred_is_pos),
             ConfusionMatrix.TRUE_NEGATIVES: (label_is_neg, pred_is_neg)}
    for key, variable in variables_to_update.items():
        label, pred = pairs[key]
        accumulate(label, pred, variable)

