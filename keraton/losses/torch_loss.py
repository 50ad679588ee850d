"""``TorchLoss``: a ``torch.nn`` loss module (or ``torch.nn.functional`` loss) as a keraton loss, called torch's way."""

from __future__ import annotations

import torch

from keraton import backend
from keraton.losses.loss import Loss

_FUNCTIONAL_LOSSES = ("cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                      "kl_div")


def is_torch_loss(obj) -> bool:
    """Whether ``obj`` is a torch loss taking ``(input, target)``: a ``torch.nn`` loss module or
    a loss function of ``torch.nn.functional`` (``F.cross_entropy``, ``F.mse_loss``...)."""
    if isinstance(obj, torch.nn.modules.loss._Loss):
        return True
    name = getattr(obj, "__name__", "")
    return getattr(obj, "__module__", None) == "torch.nn.functional" and (
        name.endswith("_loss") or name in _FUNCTIONAL_LOSSES)


class TorchLoss(Loss):
    """A ``torch.nn`` loss (``nn.CrossEntropyLoss()``, ``nn.BCEWithLogitsLoss()``...) in ``compile``.

    ``compile(loss=torch.nn.CrossEntropyLoss())`` wraps the module in it (and
    ``compile(loss=torch.nn.functional.cross_entropy)`` the function): it is
    called as torch calls it, ``module(y_pred, y_true)`` (Keras losses take
    ``(y_true, y_pred)``), with integer targets as ``int64`` class indices.
    With the module's own reduction (``"mean"``/``"sum"``) its value is the
    loss; with ``reduction="none"`` its per-sample values are averaged as
    Keras's ``"sum_over_batch_size"`` does, and ``sample_weight`` /
    ``class_weight`` apply (a reduced torch loss cannot be weighted per sample:
    ``fit`` with sample weights then raises).

    A model compiled with a torch loss is saved uncompiled (the module has no
    Keras config), with a warning.

    Example:
        >>> model.compile(optimizer="adam", loss=torch.nn.CrossEntropyLoss(label_smoothing=0.1))
    """

    _saved_with_model = False

    def __init__(self, module, name=None):
        """Wrap the torch loss ``module``; see the class docstring."""
        if not isinstance(module, torch.nn.Module) and not is_torch_loss(module):
            raise TypeError(f"TorchLoss wraps a torch.nn loss module or a torch.nn.functional loss, "
                            f"got {module!r} ({type(module).__name__}).")
        self.module = module
        default = module.__name__ if is_torch_loss(module) and not isinstance(
            module, torch.nn.Module) else backend.to_snake_case(type(module).__name__)
        super().__init__(name=name or default)

    def call(self, y_true, y_pred):
        """``module(y_pred, y_true)``: torch's argument order."""
        if not y_true.is_floating_point() and not y_true.is_complex():
            y_true = y_true.long()  # torch's class-index targets
        return self.module(y_pred, y_true)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The module's loss; per-sample values are weighted and averaged as Keras does."""
        reduction = getattr(self.module, "reduction", "mean")  # a functional loss: its default
        if sample_weight is not None and reduction != "none":
            raise ValueError(
                f"The torch loss {self.name} (reduction={reduction!r}) returns one reduced value, "
                "which sample_weight / class_weight cannot weight per sample. Use a loss module "
                "created with reduction='none' (keraton then averages the weighted per-sample "
                "losses, as Keras does).")
        return super().__call__(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        """Not serializable: a torch loss module has no Keras config."""
        raise NotImplementedError(
            f"A TorchLoss ({self.name}) cannot be serialized; model.save writes "
            "the model uncompiled, with a warning.")
