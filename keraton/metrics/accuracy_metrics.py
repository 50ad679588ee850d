"""Accuracy metrics and functions, matching ``keras.src.metrics.accuracy_metrics``.

Functions return one 0/1 value per sample in ``floatx()``; the classes average
them with :class:`~keraton.metrics.MeanMetricWrapper`.  Top-k accuracy counts
ties with the k-th score as hits, as Keras's ``in_top_k`` does.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.losses.loss import squeeze_or_expand_to_same_rank
from keraton.metrics.reduction_metrics import MeanMetricWrapper
from keraton.utils.dtype_utils import bool_as_uint8


def _floatx():
    return backend.torch_dtype(None)


def _pred(y_pred):
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point() and y_pred.dtype is not torch.bool:
        return y_pred.to(_floatx())
    return y_pred


def _true(y_true, like, dtype=None):
    if not isinstance(y_true, torch.Tensor):
        return torch.as_tensor(y_true, dtype=dtype, device=like.device)
    if (dtype is not None and y_true.dtype is not dtype) or y_true.device != like.device:
        return y_true.to(device=like.device, dtype=dtype or y_true.dtype)
    return y_true


def _argmax(x):
    """Index of the largest value on the last axis; boolean one-hot arrays count as 0/1 (addition_rnn)."""
    return torch.argmax(bool_as_uint8(x), dim=-1)


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly, else 0.0 (Keras ``Accuracy``'s function)."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).to(_floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``(y_pred > threshold)`` equals ``y_true`` (Keras ``binary_accuracy``)."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = (y_pred > threshold).to(y_true.dtype)
    return (y_true == y_pred).to(_floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` for one-hot ``y_true`` (Keras ``categorical_accuracy``)."""
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    return (_argmax(y_true) == _argmax(y_pred)).to(_floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals ``argmax(y_pred)`` (Keras ``sparse_categorical_accuracy``).

    ``y_true`` may carry a trailing axis of size 1.
    """
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred, y_pred.dtype)
    org_shape = y_true.shape
    reshape = False
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
        reshape = True
    y_pred = _argmax(y_pred).to(y_true.dtype)
    matches = (y_true == y_pred).to(_floatx())
    if reshape:
        matches = matches.reshape(org_shape)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def _in_top_k(targets, predictions, k):
    """True where the target's score is >= the k-th largest score (Keras ``ops.in_top_k``)."""
    k = min(k, predictions.shape[-1])
    kth = torch.topk(predictions, k, dim=-1).values[..., -1:]
    target_score = torch.gather(predictions, -1, targets.long().unsqueeze(-1))
    return (target_score >= kth).squeeze(-1)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target is among the ``k`` highest scores (Keras ``top_k_categorical_accuracy``)."""
    y_pred = _pred(y_pred)
    y_true = _argmax(_true(y_true, y_pred))
    org_shape = y_true.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = _in_top_k(y_true.reshape(-1), y_pred, k).to(_floatx())
    return matches.reshape(org_shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest scores (Keras ``sparse_top_k_categorical_accuracy``).

    With ``from_sorted_ids`` ``y_pred`` holds class ids sorted by score and only
    its first ``k`` columns are searched.
    """
    y_pred = _pred(y_pred)
    y_true = _true(y_true, y_pred)
    org_shape = y_true.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    y_true = y_true.reshape(-1)
    if from_sorted_ids:
        matches = torch.any(y_true.to(y_pred.dtype).unsqueeze(1) == y_pred[:, :k], dim=1)
    else:
        matches = _in_top_k(y_true, y_pred, k)
    return matches.to(_floatx()).reshape(org_shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly (Keras ``Accuracy``, name ``'accuracy'``)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype'}``."""
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels (Keras ``BinaryAccuracy``)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype', 'threshold'}``."""
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax matches one-hot labels (Keras ``CategoricalAccuracy``)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype'}``."""
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax matches integer labels (Keras ``SparseCategoricalAccuracy``)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype'}``."""
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often one-hot targets are in the top ``k`` predictions (Keras ``TopKCategoricalAccuracy``)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype', 'k'}``."""
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often integer targets are in the top ``k`` predictions (Keras ``SparseTopKCategoricalAccuracy``)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        """``{'name', 'dtype', 'k'}`` plus ``from_sorted_ids`` when set."""
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
