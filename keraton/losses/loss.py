"""The ``Loss`` base class and the reduction machinery of keraton losses.

Matches ``keras.src.losses.loss`` of Keras 3: a loss turns ``(y_true, y_pred)``
into per-sample values with :meth:`Loss.call`, then weights them by
``sample_weight`` (and by any Keras mask found on ``y_pred._keras_mask``) and
reduces them.  ``'sum_over_batch_size'`` divides the weighted sum by the number
of per-sample values, not by the sum of the weights, exactly as Keras 3 does.

The unweighted, unmasked ``'sum_over_batch_size'`` call is a short path: no
structure walking, no host synchronisation, a handful of Python operations
around the torch kernels.
"""

from __future__ import annotations

import torch

from keraton import backend

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    """Check ``reduction`` against Keras 3's allowed values and return it unchanged.

    tf.keras 2's ``'auto'`` (``keras.losses.Reduction.AUTO``) is accepted and
    becomes ``'sum_over_batch_size'``, which is what AUTO means outside a
    distribution strategy.
    """
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: {reduction!r}. Expected one of "
            f"{REDUCTIONS}."
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze or expand the last axis of one tensor when the ranks differ by exactly one.

    Same rules as Keras's helper of the same name: a trailing axis of size 1 on
    the higher-rank tensor is removed, except that a rank-1 partner is expanded
    instead (when ``expand_rank_1``).  So ``y_true`` of shape ``(n,)`` against
    ``y_pred`` of shape ``(n, 1)`` becomes ``(n, 1)`` and never broadcasts to
    ``(n, n)``.
    """
    r1 = x1.dim()
    r2 = x2.dim()
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def broadcastable(shape_a, shape_b) -> bool:
    """Return True if two shapes broadcast together under NumPy/torch rules (shapes only)."""
    for a, b in zip(reversed(shape_a), reversed(shape_b), strict=False):
        if a != b and a != 1 and b != 1:
            return False
    return True


def _divide_no_nan(num, den):
    return torch.where(den != 0, num / torch.where(den != 0, den, torch.ones_like(den)), 0.0)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a Keras mask into ``sample_weight`` exactly as Keras's ``apply_mask`` does.

    For ``'mean'``/``'sum_over_batch_size'`` valid entries get weight
    ``total / valid`` so that the later division by the element count gives a
    mean over the valid entries only.  Per-sample weights meet a per-step mask
    by broadcasting over the trailing axes (where Keras would raise).
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = torch.tensor(float(mask.numel()), dtype=dtype, device=mask.device)
        valid = mask.to(dtype).sum()
        float_mask = torch.where(mask.bool(), _divide_no_nan(total, valid), 0.0).to(dtype)
    else:
        float_mask = mask.to(dtype)
    if sample_weight is not None:
        sample_weight = sample_weight.to(dtype)
        float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
        extra = float_mask.dim() - sample_weight.dim()
        if extra > 0 and sample_weight.dim() > 0:  # per-sample weights, per-step mask
            sample_weight = sample_weight.reshape(tuple(sample_weight.shape) + (1,) * extra)
        sample_weight = sample_weight * float_mask
    else:
        sample_weight = float_mask
    return sample_weight


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce (already weighted) per-sample values as Keras 3's ``reduce_values``.

    An empty batch reduces to ``0`` (Keras returns the empty tensor for shape ``(0,)``).
    """
    if reduction is None or reduction == "none" or values.dim() == 0:
        return values
    loss = values.sum()
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(loss, sample_weight.to(loss.dtype).sum())
    n = values.numel()
    return loss / n if n else loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", name="loss"):
    """Weight per-sample loss values by ``sample_weight`` and ``mask``, then reduce them.

    ``sample_weight`` may be per-sample ``(batch,)``, temporal ``(batch, steps)``
    or a scalar; it is reconciled with ``values`` by
    :func:`squeeze_or_expand_to_same_rank` and, where it still has fewer axes,
    broadcast over the trailing axes (Keras would instead raise or align it with
    the last axis).  Anything else raises a ``ValueError`` naming the loss.
    """
    dtype = values.dtype
    if sample_weight is not None:
        if not isinstance(sample_weight, torch.Tensor):
            sample_weight = torch.as_tensor(sample_weight, dtype=dtype, device=values.device)
        elif sample_weight.dtype is not dtype or sample_weight.device != values.device:
            sample_weight = sample_weight.to(device=values.device, dtype=dtype)
    if mask is not None:
        sample_weight = apply_mask(sample_weight, mask.to(values.device), dtype, reduction)
    if sample_weight is not None and values.dim() == 0:
        # A loss reduced to one value (``dice``/``tversky`` with ``axis=None``) is
        # scaled by every weight, as Keras's broadcasting does.
        values = values * sample_weight
    elif sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        extra = values.dim() - sample_weight.dim()
        if extra > 0 and sample_weight.dim() > 0:
            sample_weight = sample_weight.reshape(tuple(sample_weight.shape) + (1,) * extra)
        if not broadcastable(values.shape, sample_weight.shape) or extra < 0:
            raise ValueError(
                f"{name}: sample_weight of shape {tuple(sample_weight.shape)} does not fit the "
                f"per-sample losses of shape {tuple(values.shape)}. Pass one weight per sample "
                f"(shape {tuple(values.shape[:1])}) or, for sequence outputs, one per timestep "
                f"(shape {tuple(values.shape[:2])})."
            )
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


class Loss:
    """Base class of losses, as ``keras.losses.Loss``.

    Subclasses implement ``call(y_true, y_pred)`` returning per-sample losses;
    calling the loss converts ``y_pred`` to the loss dtype (``floatx()`` by
    default, as Keras does, so float16 outputs are scored in float32), moves
    ``y_true`` to ``y_pred``'s device, applies ``sample_weight`` and reduces with
    ``reduction``: ``'sum_over_batch_size'`` (default, = ``'mean'``), ``'sum'``,
    ``'mean_with_sample_weight'``, or ``'none'``/``None``.
    """

    _fast = None  # optional hook: (y_true, y_pred) -> reduced loss, or None to fall back

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or backend.unique_object_name(backend.to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._compute_dtype = backend.torch_dtype(dtype)

    @property
    def dtype(self) -> str:
        """The name of the dtype the loss is computed in (``'float32'`` by default)."""
        return backend.dtype_name(self._compute_dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Return the reduced loss of ``y_pred`` against ``y_true``, as Keras's ``Loss.__call__``."""
        dtype = self._compute_dtype
        mask = getattr(y_pred, "_keras_mask", None)
        if not isinstance(y_pred, torch.Tensor):
            y_pred = torch.as_tensor(y_pred, dtype=dtype)
        elif y_pred.dtype is not dtype:
            y_pred = y_pred.to(dtype)
        if not isinstance(y_true, torch.Tensor):
            y_true = torch.as_tensor(y_true, device=y_pred.device)
        elif y_true.device != y_pred.device:
            y_true = y_true.to(y_pred.device, non_blocking=True)

        if sample_weight is None and mask is None and self.reduction == "sum_over_batch_size":
            fast = self._fast
            if fast is not None:
                out = fast(y_true, y_pred)
                if out is not None:
                    return out
            losses = self.call(y_true, y_pred)
            if getattr(losses, "_keras_mask", None) is None:
                if losses.dim() == 0:
                    return losses
                return losses.mean() if losses.numel() else losses.sum()
        else:
            losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if mask is not None and out_mask is not None:
            mask = mask.to(out_mask.device).bool() & out_mask.bool()
        elif out_mask is not None:
            mask = out_mask
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction, self.name)

    def call(self, y_true, y_pred):
        """Return per-sample losses; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict:
        """Return ``{'name', 'reduction'}``, as Keras 3's ``Loss.get_config``."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Rebuild the loss from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
