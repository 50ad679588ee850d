"""Loss functions: ``fn(y_true, y_pred, ...)`` returns per-sample losses (last axis reduced).

Each function matches the Keras 3 function of the same name (``keras.losses.*``)
as computed by Keras's torch backend: ``y_true`` is cast to ``y_pred``'s dtype
and device, ranks are reconciled with ``squeeze_or_expand_to_same_rank``, and
probabilities are clipped to ``[epsilon, 1 - epsilon]`` where Keras clips them.
Shapes that cannot work raise a ``ValueError`` naming the loss, both shapes and
the fix, instead of a bare torch broadcasting error.  No function reads a value
back to the host.
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F

from keraton import backend
from keraton.backend_functions.symbolic import symbolic_aware
from keraton.losses.loss import broadcastable, squeeze_or_expand_to_same_rank

_LOG2 = math.log(2.0)


def _prep(y_true, y_pred):
    """Make both tensors, ``y_pred`` floating, ``y_true`` of ``y_pred``'s dtype and device."""
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred, dtype=backend.torch_dtype(None))
    elif not y_pred.is_floating_point():
        y_pred = y_pred.to(backend.torch_dtype(None))
    if not isinstance(y_true, torch.Tensor):
        y_true = torch.as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    elif y_true.dtype is not y_pred.dtype or y_true.device != y_pred.device:
        y_true = y_true.to(device=y_pred.device, dtype=y_pred.dtype)
    return y_true, y_pred


def _shape_error(name, y_true, y_pred, what):
    return ValueError(
        f"{name}: y_true of shape {tuple(y_true.shape)} does not fit y_pred of shape "
        f"{tuple(y_pred.shape)}. {what}"
    )


_ELEMENTWISE_HINT = (
    "y_true must have the shape of y_pred (or broadcast to it). Check that the model's "
    "last layer has as many units as y_true has columns; if y_true holds integer class "
    "ids for a softmax output, use 'sparse_categorical_crossentropy'."
)


def _elementwise(name, y_true, y_pred):
    """Prepare and rank-reconcile ``y_true``/``y_pred`` for an elementwise loss."""
    y_true, y_pred = _prep(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not broadcastable(y_true.shape, y_pred.shape):
            raise _shape_error(name, y_true, y_pred, _ELEMENTWISE_HINT)
    return y_true, y_pred


def _same_shape(name, y_true, y_pred, what):
    if y_true.shape != y_pred.shape:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            raise _shape_error(name, y_true, y_pred, what)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """Mean of ``(y_true - y_pred) ** 2`` over the last axis (Keras ``mean_squared_error``)."""
    y_true, y_pred = _elementwise("mean_squared_error", y_true, y_pred)
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of ``|y_true - y_pred|`` over the last axis (Keras ``mean_absolute_error``)."""
    y_true, y_pred = _elementwise("mean_absolute_error", y_true, y_pred)
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|)`` over the last axis, as Keras."""
    y_true, y_pred = _elementwise("mean_absolute_percentage_error", y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=backend.epsilon()))
    return 100.0 * torch.mean(diff, dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean of ``(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2``, as Keras."""
    y_true, y_pred = _elementwise("mean_squared_logarithmic_error", y_true, y_pred)
    eps = backend.epsilon()
    first = torch.log(torch.clamp(y_pred, min=eps) + 1.0)
    second = torch.log(torch.clamp(y_true, min=eps) + 1.0)
    return torch.mean(torch.square(first - second), dim=-1)


def _l2_normalize(x, axis):
    """``x * min(rsqrt(sum(x**2)), 1/epsilon)``: Keras's ``ops.normalize`` for order 2."""
    inv = torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True))
    return x * torch.clamp(inv, max=1.0 / backend.epsilon())


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along ``axis`` (Keras ``losses.cosine_similarity``; -1 is best)."""
    y_true, y_pred = _elementwise("cosine_similarity", y_true, y_pred)
    return -torch.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), dim=axis)


def cosine_proximity(y_true, y_pred):
    """Keras 2.x's name of the negative cosine similarity along the last axis (``keras.losses.cosine_proximity``).

    ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=-1)``: -1 for
    parallel vectors; Keras 2 also called it ``cosine``, tf.keras 2 renamed it
    ``cosine_similarity``.
    """
    return cosine_similarity(y_true, y_pred, axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: ``0.5 x**2`` where ``|x| <= delta`` else ``delta |x| - 0.5 delta**2`` (mean, last axis)."""
    y_true, y_pred = _elementwise("huber", y_true, y_pred)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return torch.mean(torch.where(abs_error <= delta, quadratic, linear), dim=-1)


def log_cosh(y_true, y_pred):
    """Mean of ``log(cosh(y_pred - y_true))`` computed stably as ``x + softplus(-2x) - log 2``, as Keras."""
    y_true, y_pred = _elementwise("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(x * -2.0) - _LOG2, dim=-1)


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` with both clipped to ``[epsilon, 1]``, as Keras."""
    y_true, y_pred = _elementwise("kl_divergence", y_true, y_pred)
    eps = backend.epsilon()
    y_true = torch.clamp(y_true, eps, 1.0)
    y_pred = torch.clamp(y_pred, eps, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred):
    """Mean of ``y_pred - y_true * log(y_pred + epsilon)`` over the last axis, as Keras."""
    y_true, y_pred = _elementwise("poisson", y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + backend.epsilon()), dim=-1)


def _to_hinge_labels(y_true):
    """Map labels to -1/1 when all are 0/1 (Keras's ``convert_binary_labels_to_hinge``), without a host sync."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """Mean of ``max(1 - y_true * y_pred, 0)``; 0/1 labels are mapped to -1/1 first, as Keras."""
    y_true, y_pred = _elementwise("hinge", y_true, y_pred)
    y_true = _to_hinge_labels(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


def squared_hinge(y_true, y_pred):
    """Mean of ``max(1 - y_true * y_pred, 0) ** 2``; 0/1 labels are mapped to -1/1, as Keras."""
    y_true, y_pred = _elementwise("squared_hinge", y_true, y_pred)
    y_true = _to_hinge_labels(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


def categorical_hinge(y_true, y_pred):
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` for one-hot ``y_true``, as Keras."""
    y_true, y_pred = _elementwise("categorical_hinge", y_true, y_pred)
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)


_ONE_HOT_HINT = (
    "It expects one-hot (or probability) targets with exactly the shape of y_pred. For integer "
    "class ids use 'sparse_categorical_crossentropy', or one-hot encode them with "
    "keras.utils.to_categorical(y, num_classes)."
)

_BINARY_HINT = (
    "It expects y_true with exactly the shape of y_pred (one 0/1 target per output unit). For "
    "integer class ids with a softmax output use 'sparse_categorical_crossentropy'; for one-hot "
    "targets use 'categorical_crossentropy'."
)


def _bce_from_probs(y_true, y_pred):
    """Elementwise BCE of clipped probabilities: ``-(t log p + (1 - t) log(1 - p))``.

    Same values as ``F.binary_cross_entropy`` (which Keras's torch backend
    calls), but works under autocast and turns a NaN prediction into a NaN loss
    instead of a CUDA device-side assertion.
    """
    eps = backend.epsilon()
    y_pred = torch.clamp(y_pred, eps, 1.0 - eps)
    return -torch.lerp(torch.log1p(-y_pred), torch.log(y_pred), y_true)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy averaged over ``axis`` (Keras ``binary_crossentropy``).

    Probabilities are clipped to ``[epsilon, 1 - epsilon]``; ``label_smoothing``
    moves targets towards 0.5 (``y * (1 - s) + 0.5 * s``).
    """
    y_true, y_pred = _prep(y_true, y_pred)
    y_true, y_pred = _same_shape("binary_crossentropy", y_true, y_pred, _BINARY_HINT)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        bce = _bce_from_probs(y_true, y_pred)
    return torch.mean(bce, dim=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal binary cross-entropy ``(1 - p_t) ** gamma * bce`` (Keras ``binary_focal_crossentropy``)."""
    y_true, y_pred = _prep(y_true, y_pred)
    y_true, y_pred = _same_shape("binary_focal_crossentropy", y_true, y_pred, _BINARY_HINT)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = _bce_from_probs(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return torch.mean(focal, dim=axis)


def _one_hot_inputs(name: str, y_true, y_pred, label_smoothing, axis):
    """The checks and label smoothing shared by the one-hot categorical crossentropies, as Keras's.

    ``axis`` must be an int; shapes are matched; a single-class ``y_pred``
    warns (it wants ``binary_crossentropy``); smoothing gives
    ``y * (1 - s) + s / num_classes``.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _prep(y_true, y_pred)
    y_true, y_pred = _same_shape(name, y_true, y_pred, _ONE_HOT_HINT)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    return y_true, y_pred


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy over ``axis`` for one-hot ``y_true`` (Keras ``categorical_crossentropy``).

    Probabilities are first divided by their sum along ``axis``, then clipped to
    ``[epsilon, 1 - epsilon]``, as Keras 3 does; ``label_smoothing`` gives
    ``y * (1 - s) + s / num_classes``.
    """
    y_true, y_pred = _one_hot_inputs("categorical_crossentropy", y_true, y_pred, label_smoothing,
                                     axis)
    if from_logits:
        log_prob = F.log_softmax(y_pred, dim=axis)
    else:
        eps = backend.epsilon()
        output = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clamp(output, eps, 1.0 - eps))
    return -torch.sum(y_true * log_prob, dim=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy for integer class ids (Keras ``sparse_categorical_crossentropy``).

    ``y_true`` has ``y_pred``'s shape without the class axis (a trailing axis of
    size 1 is allowed).  Probabilities are normalised and clipped as in
    :func:`categorical_crossentropy`.  With ``ignore_class`` those positions get
    loss 0 and a ``_keras_mask`` so :class:`~keraton.losses.Loss` averages over
    the other positions only, as Keras does.
    """
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred, dtype=backend.torch_dtype(None))
    elif not y_pred.is_floating_point():
        y_pred = y_pred.to(backend.torch_dtype(None))
    if not isinstance(y_true, torch.Tensor):
        y_true = torch.as_tensor(y_true, device=y_pred.device)
    elif y_true.device != y_pred.device:
        y_true = y_true.to(y_pred.device)
    ndim = y_pred.dim()
    if ndim < 1:
        raise ValueError(f"sparse_categorical_crossentropy: y_pred must be at least rank 1, got shape {tuple(y_pred.shape)}.")
    class_axis = axis % ndim
    if y_true.dim() == ndim and y_true.shape[class_axis] == 1:
        y_true = y_true.squeeze(class_axis)
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1:]
    if y_true.shape != expected:
        if y_true.shape == y_pred.shape:
            what = (
                "y_true has the shape of y_pred, so it looks one-hot encoded: use "
                "'categorical_crossentropy' for one-hot labels, or pass integer class ids of "
                f"shape {tuple(expected)}."
            )
        else:
            what = (
                f"It expects integer class ids of shape {tuple(expected)} (or "
                f"{tuple(expected) + (1,)}), one per sample, in [0, {y_pred.shape[class_axis]})."
            )
        raise _shape_error("sparse_categorical_crossentropy", y_true, y_pred, what)
    target = y_true.long()
    if ignore_class is not None:
        valid = target != ignore_class
        target = torch.where(valid, target, 0)
    if from_logits and ndim == 2 and class_axis == 1:
        res = F.cross_entropy(y_pred, target, reduction="none")
    else:
        if from_logits:
            log_prob = F.log_softmax(y_pred, dim=class_axis)
        else:
            eps = backend.epsilon()
            output = y_pred / torch.sum(y_pred, dim=class_axis, keepdim=True)
            log_prob = torch.log(torch.clamp(output, eps, 1.0 - eps))
        res = -torch.gather(log_prob, class_axis, target.unsqueeze(class_axis)).squeeze(class_axis)
    if ignore_class is not None:
        res = torch.where(valid, res, 0.0)
        res._keras_mask = valid
    return res


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal categorical cross-entropy (Keras ``categorical_focal_crossentropy``).

    ``sum(-alpha * (1 - p) ** gamma * y * log(p))`` over ``axis``, with ``p``
    the predictions (softmax of logits if ``from_logits``) divided by their sum
    and clipped to ``[epsilon, 1 - epsilon]``; ``label_smoothing`` gives
    ``y * (1 - s) + s / num_classes``.
    """
    y_true, y_pred = _one_hot_inputs("categorical_focal_crossentropy", y_true, y_pred,
                                     label_smoothing, axis)
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    eps = backend.epsilon()
    output = torch.clamp(y_pred / torch.sum(y_pred, dim=axis, keepdim=True), eps, 1.0 - eps)
    focal = alpha * torch.pow(1.0 - output, gamma) * (-y_true * torch.log(output))
    return torch.sum(focal, dim=axis)


def dice(y_true, y_pred, axis=None):
    """Dice loss ``1 - 2 |y * p| / (|y| + |p| + epsilon)`` summed over ``axis`` (Keras ``dice``).

    ``axis=None`` (Keras's default) reduces the whole batch to one scalar; give
    e.g. ``axis=(1, 2)`` for one value per sample.
    """
    y_true, y_pred = _elementwise("dice", y_true, y_pred)
    intersection = torch.sum(y_true * y_pred, dim=axis)
    union = torch.sum(y_true, dim=axis) + torch.sum(y_pred, dim=axis)
    return 1 - 2.0 * intersection / (union + backend.epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss ``1 - tp / (tp + alpha fp + beta fn + epsilon)`` (Keras ``tversky``).

    Sums run over ``axis``, with ``tp = sum(y * p)`` and, as Keras 3.15
    computes them, ``fp = sum(y * (1 - p))`` and ``fn = sum(p * (1 - y))``.
    ``axis=None`` reduces the whole batch to one scalar.
    """
    y_true, y_pred = _elementwise("tversky", y_true, y_pred)
    intersection = torch.sum(y_true * y_pred, dim=axis)
    fp = torch.sum((1 - y_pred) * y_true, dim=axis)
    fn = torch.sum(y_pred * (1 - y_true), dim=axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + backend.epsilon())


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy ``(1 - p_y ** q) / q`` for integer labels.

    Matches Keras's ``categorical_generalized_cross_entropy``: ``y_true`` holds
    integer class ids, ``y_pred`` probabilities over the last axis, and ``p_y``
    is the probability of the true class.
    """
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred, dtype=backend.torch_dtype(None))
    y_true = torch.as_tensor(y_true, device=y_pred.device).long()
    p = torch.sum(y_pred * F.one_hot(y_true, y_pred.shape[-1]).to(y_pred.dtype), dim=-1)
    return (1 - torch.pow(p, q)) / q


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss of L2-normalised embeddings (Keras ``circle``; Sun et al., 2020).

    ``y_true`` holds integer labels ``(batch,)``, ``y_pred`` embeddings
    ``(batch, dim)``; pairs with equal labels (against ``ref_labels`` /
    ``ref_embeddings``, by default the batch itself, without the diagonal when
    ``remove_diagonal``) are positives, the others negatives.  Returns one loss
    per sample, carrying a ``_keras_mask`` of the positive losses so that a
    :class:`~keraton.losses.Loss` averages over those only, as Keras does.
    """
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred, dtype=backend.torch_dtype(None))
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(torch.int32)
    ref_embeddings = y_pred if ref_embeddings is None else \
        torch.as_tensor(ref_embeddings, device=y_pred.device).to(y_pred.dtype)
    ref_labels = y_true if ref_labels is None else \
        torch.as_tensor(ref_labels, device=y_pred.device).to(torch.int32)
    distances = torch.clamp(1 - y_pred @ ref_embeddings.T, min=0.0)
    positive = y_true.reshape(-1, 1) == ref_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~torch.eye(*positive.shape, dtype=torch.bool, device=y_pred.device)
    pos_weights = torch.clamp((margin + distances) * positive, min=0.0)
    neg_weights = torch.clamp((1 + margin - distances) * negative, min=0.0)
    pos_wdists = -gamma * pos_weights * (margin - distances)
    neg_wdists = gamma * neg_weights * (1 - margin - distances)
    p_loss = torch.logsumexp(torch.where(positive, pos_wdists, float("-inf")), dim=1)
    n_loss = torch.logsumexp(torch.where(negative, neg_wdists, float("-inf")), dim=1)
    loss = F.softplus(p_loss + n_loss)
    loss._keras_mask = loss > 0
    return loss


def ctc(y_true, y_pred):
    """CTC loss per sample (Keras ``ctc``): ``y_true`` integer labels padded with 0, ``y_pred`` logits.

    ``y_true`` is ``(batch, max_label_length)`` with 0 the blank/padding class;
    ``y_pred`` is ``(batch, time, num_classes)`` unnormalized logits.  Every time
    step of ``y_pred`` counts, and a label's length is its count of non-zero
    entries, as Keras 3 computes them.
    """
    from keraton.ops.nn import ctc_loss

    y_pred = torch.as_tensor(y_pred)
    y_true = torch.as_tensor(y_true, device=y_pred.device)
    if y_true.dim() != 2 or y_pred.dim() != 3:
        raise ValueError(
            "ctc expects y_true of shape (batch, max_label_length) and y_pred of shape "
            f"(batch, time, num_classes); received y_true.shape={tuple(y_true.shape)} and "
            f"y_pred.shape={tuple(y_pred.shape)}.")
    y_true = y_true.to(torch.int32)
    batch, time = y_pred.shape[0], y_pred.shape[1]
    label_length = (y_true != 0).sum(dim=-1).to(torch.int32)
    logit_length = torch.full((batch,), time, dtype=torch.int32, device=y_pred.device)
    return ctc_loss(y_true, y_pred, label_length, logit_length, mask_index=0)


# Called on Keras tensors (between `Input` and `Model`), a loss function adds a layer
# to the functional graph, as in Keras 2 and Keras 3, e.g. a VAE's
# `vae.add_loss(K.mean(binary_crossentropy(inputs, outputs) * original_dim + kl_loss))`.
_LOSS_FUNCTIONS = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh", "kl_divergence",
    "poisson", "hinge", "squared_hinge", "categorical_hinge", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "categorical_focal_crossentropy", "dice", "tversky", "categorical_generalized_cross_entropy",
    "circle", "ctc",
]
for _name in _LOSS_FUNCTIONS:
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
