"""Loss classes: ``LossFunctionWrapper`` and one subclass per Keras loss class.

Each class wraps the function of the same name in
:mod:`keraton.losses.functions`, with Keras 3's default names and
constructor arguments.  The most common losses also define a fused fast path
(e.g. ``F.mse_loss``) used for the unweighted ``'sum_over_batch_size'`` call;
it gives the same value as the general path (mean of the per-sample means).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.losses import functions as fns
from keraton.losses.loss import Loss, squeeze_or_expand_to_same_rank
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _same(y_true, y_pred):
    """``y_true`` as ``y_pred``'s dtype and shape when both are non-empty and have one shape
    (up to a trailing axis of 1 missing from ``y_true``, which the general path adds too), else None."""
    if y_true.shape != y_pred.shape:
        if y_pred.dim() != y_true.dim() + 1 or y_pred.shape[-1] != 1 or y_true.shape != y_pred.shape[:-1]:
            return None
        y_true = y_true.unsqueeze(-1)  # the seed's y = [1, 2, 3, 4] against a Dense(1)
    if y_pred.dim() == 0 or y_pred.numel() == 0:
        return None
    if y_true.dtype is not y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    return y_true


class LossFunctionWrapper(Loss):
    """A ``Loss`` that calls ``fn(y_true, y_pred, **kwargs)`` (Keras ``LossFunctionWrapper``).

    ``y_true`` and ``y_pred`` are rank-reconciled first, as Keras does.  The
    config stores ``fn`` (serialized) and the keyword arguments.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        if type(self).call is not LossFunctionWrapper.call:  # a user override must always run
            self._fast = None
        elif type(self) is LossFunctionWrapper:  # compile(loss="mse"): the class's fused path
            self._fast = _fast_path_of(fn, kwargs)

    def call(self, y_true, y_pred):
        """Rank-reconcile the inputs and return ``fn``'s per-sample losses."""
        if y_true.dim() != y_pred.dim():
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """Keras's config: name, reduction, the serialized ``fn`` and its keyword arguments."""
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild the wrapper, resolving ``fn`` by name among keraton's loss functions."""
        config = dict(config)
        if "fn" in config:
            from keraton.losses import ALL_OBJECTS_DICT

            config["fn"] = deserialize_keras_object(config["fn"], module_objects=ALL_OBJECTS_DICT,
                                                    kind="loss function")
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, name={self.name})>"


class _SimpleLoss(LossFunctionWrapper):
    """A wrapper whose config is Keras's bare ``Loss`` config (plus ``_config_keys``)."""

    _fn = None
    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(type(self)._fn, reduction=reduction, name=name,
                         dtype=dtype, **kwargs)
        for key in self._config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self):
        """Return ``{'name', 'reduction'}`` plus this loss's own arguments."""
        config = Loss.get_config(self)
        for key in self._config_keys:
            config[key] = getattr(self, key)
        return config


class MeanSquaredError(_SimpleLoss):
    """Mean of squared errors (Keras ``MeanSquaredError``, name ``'mean_squared_error'``)."""

    _fn = staticmethod(fns.mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def _fast(self, y_true, y_pred):
        y_true = _same(y_true, y_pred)
        return None if y_true is None else F.mse_loss(y_pred, y_true)


class MeanAbsoluteError(_SimpleLoss):
    """Mean of absolute errors (Keras ``MeanAbsoluteError``, name ``'mean_absolute_error'``)."""

    _fn = staticmethod(fns.mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def _fast(self, y_true, y_pred):
        y_true = _same(y_true, y_pred)
        return None if y_true is None else F.l1_loss(y_pred, y_true)


class MeanAbsolutePercentageError(_SimpleLoss):
    """Mean absolute percentage error (Keras ``MeanAbsolutePercentageError``)."""

    _fn = staticmethod(fns.mean_absolute_percentage_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_SimpleLoss):
    """Mean squared logarithmic error (Keras ``MeanSquaredLogarithmicError``)."""

    _fn = staticmethod(fns.mean_squared_logarithmic_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(_SimpleLoss):
    """Negative cosine similarity along ``axis`` (Keras ``CosineSimilarity``; config also keeps ``axis``)."""

    _fn = staticmethod(fns.cosine_similarity)
    _config_keys = ("axis",)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Huber(_SimpleLoss):
    """Huber loss with threshold ``delta`` (Keras ``Huber``, name ``'huber_loss'``; config keeps ``delta``)."""

    _fn = staticmethod(fns.huber)
    _config_keys = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, delta=delta)

    def _fast(self, y_true, y_pred):
        y_true = _same(y_true, y_pred)
        if y_true is None:
            return None
        return F.huber_loss(y_pred, y_true, delta=float(self.delta))


class LogCosh(_SimpleLoss):
    """Logarithm of the hyperbolic cosine of the error (Keras ``LogCosh``, name ``'log_cosh'``)."""

    _fn = staticmethod(fns.log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Hinge(_SimpleLoss):
    """Hinge loss (Keras ``Hinge``); 0/1 labels are mapped to -1/1."""

    _fn = staticmethod(fns.hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_SimpleLoss):
    """Squared hinge loss (Keras ``SquaredHinge``); 0/1 labels are mapped to -1/1."""

    _fn = staticmethod(fns.squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_SimpleLoss):
    """Categorical hinge loss for one-hot targets (Keras ``CategoricalHinge``)."""

    _fn = staticmethod(fns.categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class KLDivergence(_SimpleLoss):
    """Kullback-Leibler divergence (Keras ``KLDivergence``, name ``'kl_divergence'``)."""

    _fn = staticmethod(fns.kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(_SimpleLoss):
    """Poisson loss ``y_pred - y_true * log(y_pred + eps)`` (Keras ``Poisson``)."""

    _fn = staticmethod(fns.poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_SimpleLoss):
    """Binary cross-entropy (Keras ``BinaryCrossentropy(from_logits, label_smoothing, axis)``)."""

    _fn = staticmethod(fns.binary_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)

    def _fast(self, y_true, y_pred):
        y_true = _same(y_true, y_pred)
        if y_true is None:
            return None
        s = self.label_smoothing
        if s:
            y_true = y_true * (1.0 - s) + 0.5 * s
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(y_pred, y_true)
        return torch.mean(fns._bce_from_probs(y_true, y_pred))


class BinaryFocalCrossentropy(_SimpleLoss):
    """Focal binary cross-entropy (Keras ``BinaryFocalCrossentropy``)."""

    _fn = staticmethod(fns.binary_focal_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_SimpleLoss):
    """Categorical cross-entropy for one-hot targets (Keras ``CategoricalCrossentropy``)."""

    _fn = staticmethod(fns.categorical_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)

    def _fast(self, y_true, y_pred):
        if not self.from_logits or y_pred.dim() != 2 or self.axis not in (-1, 1):
            return None
        y_true = _same(y_true, y_pred)
        if y_true is None or y_pred.shape[-1] == 1:
            return None
        return F.cross_entropy(y_pred, y_true, label_smoothing=float(self.label_smoothing))


class SparseCategoricalCrossentropy(_SimpleLoss):
    """Cross-entropy for integer class ids (Keras ``SparseCategoricalCrossentropy(from_logits, ignore_class)``)."""

    _fn = staticmethod(fns.sparse_categorical_crossentropy)
    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.axis = axis

    def get_config(self):
        """Keras's config (name, reduction, from_logits, ignore_class) plus ``axis`` when not -1."""
        config = super().get_config()
        if self.axis != -1:
            config["axis"] = self.axis
        return config

    def _fast(self, y_true, y_pred):
        if not self.from_logits or self.ignore_class is not None or y_pred.dim() != 2:
            return None
        if self.axis not in (-1, 1):
            return None
        if y_true.dim() == 2 and y_true.shape[1] == 1:
            y_true = y_true.squeeze(1)
        if y_true.dim() != 1 or y_true.shape[0] != y_pred.shape[0] or y_pred.shape[0] == 0:
            return None
        if y_true.dtype is not torch.int64:
            y_true = y_true.long()
        return F.cross_entropy(y_pred, y_true)



class CategoricalFocalCrossentropy(_SimpleLoss):
    """Focal categorical cross-entropy for one-hot targets (Keras ``CategoricalFocalCrossentropy``).

    Down-weights well-classified samples by ``alpha * (1 - p) ** gamma``; see
    :func:`~keraton.losses.categorical_focal_crossentropy`.  Config keeps
    ``from_logits``, ``label_smoothing``, ``axis``, ``alpha`` and ``gamma``.

    Example::

        >>> loss = CategoricalFocalCrossentropy()
        >>> round(float(loss([[0., 1., 0.], [0., 0., 1.]],
        ...                  [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])), 4)
        0.2332
    """

    _fn = staticmethod(fns.categorical_focal_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class Dice(_SimpleLoss):
    """Dice loss ``1 - 2|y p| / (|y| + |p|)`` (Keras ``Dice``, name ``'dice'``).

    ``axis=None`` (default) gives one value for the whole batch, as Keras.  Config
    keeps ``axis``.

    Example::

        >>> loss = Dice(axis=-1)
        >>> round(float(loss([[1., 0.], [1., 1.]], [[0.8, 0.2], [0.6, 0.4]])), 4)
        0.2667
    """

    _fn = staticmethod(fns.dice)
    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(_SimpleLoss):
    """Tversky loss with false-positive/negative weights ``alpha``/``beta`` (Keras ``Tversky``).

    ``alpha = beta = 0.5`` (default) is the Dice loss; see
    :func:`~keraton.losses.tversky`.  Config keeps ``alpha``, ``beta``, ``axis``.

    Example::

        >>> loss = Tversky(alpha=0.3, beta=0.7, axis=-1)
        >>> round(float(loss([[1., 0.], [1., 1.]], [[0.8, 0.2], [0.6, 0.4]])), 4)
        0.2154
    """

    _fn = staticmethod(fns.tversky)
    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta,
                         axis=axis)


class Circle(_SimpleLoss):
    """Circle loss for embedding learning (Keras ``Circle``, name ``'circle'``).

    ``y_true``: integer labels ``(batch,)``; ``y_pred``: L2-normalised
    embeddings ``(batch, dim)``.  Averages over the samples with a positive
    loss, as Keras.  Config keeps ``gamma``, ``margin``, ``remove_diagonal``.

    Example::

        >>> emb = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.0, 1.0]])
        >>> round(float(Circle()([0, 0, 1, 1], emb)), 3)
        49.664
    """

    _fn = staticmethod(fns.circle)
    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)


class CategoricalGeneralizedCrossEntropy(_SimpleLoss):
    """Generalized cross-entropy for noisy labels (Keras ``CategoricalGeneralizedCrossEntropy``).

    ``(1 - p_y ** q) / q`` with ``q`` in ``(0, 1)``: ``q -> 0`` tends to the
    cross-entropy, ``q = 1`` is the MAE.  Config keeps ``q``.

    Example::

        >>> loss = CategoricalGeneralizedCrossEntropy(q=0.5)
        >>> round(float(loss([1, 0], [[0.2, 0.8], [0.75, 0.25]])), 4)
        0.2395
    """

    _fn = staticmethod(fns.categorical_generalized_cross_entropy)
    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(reduction=reduction, name=name, dtype=dtype, q=q)


class CTC(_SimpleLoss):
    """Connectionist Temporal Classification loss (Keras ``CTC``, name ``'ctc'``).

    Labels are integers padded with 0 (the blank class), predictions are
    logits of shape ``(batch, time, num_classes)``; see :func:`~keraton.losses.ctc`.
    """

    _fn = staticmethod(fns.ctc)

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


def _fast_path_of(fn, kwargs):
    """The fused fast path of the loss class wrapping ``fn`` with these arguments, or None.

    ``compile(loss="mse")`` wraps the function, as Keras 3 does; the wrapper
    takes the class's fast path so the string and the class cost the same.
    """
    cls = _CLASS_OF_FUNCTION.get(fn)
    if cls is None:
        return None
    try:
        return cls(**kwargs)._fast
    except TypeError:  # an argument the class does not take: the general path
        return None


_CLASS_OF_FUNCTION = {cls._fn: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy)}
