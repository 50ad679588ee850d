"""Intersection-over-union metrics, matching ``keras.src.metrics.iou_metrics`` of Keras 3.

All of them accumulate a ``(num_classes, num_classes)`` confusion matrix
(rows: true class, columns: predicted class) in the metric dtype, which is
``'int32'`` by default as in Keras, so float sample weights are truncated
towards zero unless a float ``dtype`` is given.  ``result()`` computes
``tp / (tp + fp + fn)`` per target class in float32 and averages it over the
target classes that occur (classes with an empty denominator are left out).
Labels or predictions outside ``[0, num_classes)`` and positions whose label
is ``ignore_class`` are not counted.
"""

from __future__ import annotations

import warnings

import torch

from keraton import backend
from keraton.metrics.metric import Metric
from keraton.metrics.reduction_metrics import to_tensor


class _IoUBase(Metric):
    """Shared state of the IoU metrics: the accumulated confusion matrix ``total_cm``."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype="int32" if dtype in (None, "int") else dtype)
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), name="total_confusion_matrix")

    def _class_ids(self, x, sparse):
        if not sparse:
            return torch.argmax(torch.as_tensor(x, device=self._device), dim=self.axis)
        return to_tensor(x, self._torch_dtype, self._device)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's (weighted) ``(true class, predicted class)`` counts to ``total_cm``."""
        dtype = self._torch_dtype
        y_true = self._class_ids(y_true, self.sparse_y_true).to(dtype).reshape(-1)
        y_pred = self._class_ids(y_pred, self.sparse_y_pred).to(dtype).reshape(-1)
        if sample_weight is None:
            weight = torch.ones((), dtype=dtype, device=self._device)
        else:
            sw_dtype = getattr(sample_weight, "dtype", None)
            if sw_dtype is not None and "float" in str(sw_dtype) and not dtype.is_floating_point:
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                              "result in an incorrect weight due to type casting Consider using "
                              "integer weights.", stacklevel=2)
            weight = to_tensor(sample_weight, dtype, self._device).reshape(-1)
        weight = torch.broadcast_to(weight, y_true.shape)
        n = self.num_classes
        valid = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        index = (torch.where(valid, y_true, 0) * n + torch.where(valid, y_pred, 0)).long()
        weight = torch.where(valid, weight, torch.zeros_like(weight))
        self.total_cm.view(-1).index_add_(0, index, weight)

    def result(self):
        """Mean IoU over the target classes present in the confusion matrix (float32)."""
        cm = self.total_cm
        true_positives = torch.diagonal(cm)
        denominator = cm.sum(dim=0) + cm.sum(dim=1) - true_positives
        ids = self._cache_target_ids
        true_positives = true_positives[ids].to(torch.float32)
        denominator = denominator[ids].to(torch.float32)
        valid = denominator > 1e-9
        iou = torch.where(valid, true_positives / (denominator + backend.epsilon()), 0.0)
        return iou.sum() / (valid.to(torch.float32).sum() + backend.epsilon())


class IoU(_IoUBase):
    """Intersection over union averaged over ``target_class_ids`` (Keras ``metrics.IoU``).

    ``IoU = tp / (tp + fp + fn)`` per class from the accumulated confusion
    matrix of ``num_classes`` classes.  ``y_true``/``y_pred`` hold class ids
    (``sparse_y_true``/``sparse_y_pred``), or scores/one-hot rows along ``axis``
    that are turned into ids by argmax.  ``ignore_class`` labels are skipped.
    Default name ``'io_u'`` (Keras's snake case of the class name).

    Example::

        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)
        self._cache_target_ids = torch.tensor(self.target_class_ids, dtype=torch.long,
                                              device=self._device)

    def get_config(self):
        """Keras's config: name, dtype and every constructor argument."""
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary predictions thresholded at ``threshold`` (Keras ``metrics.BinaryIoU``).

    A prediction is class 1 when ``y_pred >= threshold``; ``y_true`` holds 0/1.
    ``target_class_ids`` is ``(0, 1)`` (mean IoU of both classes), ``[0]`` or
    ``[1]``.  Default name ``'binary_io_u'``.

    Example::

        >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Threshold ``y_pred`` (in float32, as Keras) and accumulate the 2x2 confusion matrix."""
        y_pred = to_tensor(y_pred, torch.float32, self._device)
        y_pred = (y_pred >= self.threshold).to(self._torch_dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        """``{'target_class_ids', 'threshold', 'name', 'dtype'}``, as Keras."""
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (Keras ``metrics.MeanIoU``).

    Same inputs as :class:`IoU`, with ``target_class_ids=range(num_classes)``.
    Default name ``'mean_io_u'``.

    Example::

        >>> m = MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """Keras's config: ``IoU``'s without ``target_class_ids``."""
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of one-hot labels over ``target_class_ids`` (Keras ``metrics.OneHotIoU``).

    :class:`IoU` with ``sparse_y_true=False``: ``y_true`` is one-hot along
    ``axis`` and ``y_pred`` holds scores (argmax taken) unless ``sparse_y_pred``.
    Default name ``'one_hot_io_u'``.

    Example::

        >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1],
        ...                 [0.1, 0.4, 0.5]])
        >>> round(float(m.result()), 4)
        0.1667
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """Keras's config: ``IoU``'s without ``sparse_y_true``."""
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """Mean IoU over all classes for one-hot labels (Keras ``metrics.OneHotMeanIoU``).

    :class:`MeanIoU` with ``sparse_y_true=False``.  Default name
    ``'one_hot_mean_io_u'``.

    Example::

        >>> m = OneHotMeanIoU(num_classes=3)
        >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1],
        ...                 [0.1, 0.4, 0.5]])
        >>> round(float(m.result()), 4)
        0.1111
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """Keras's config: ``MeanIoU``'s without ``sparse_y_true``."""
        config = super().get_config()
        del config["sparse_y_true"]
        return config
