"""``TorchLoss``: a ``torch.nn`` loss module used as a keraton loss, called torch's way."""

from __future__ import annotations

import torch

from keraton import backend
from keraton.losses.loss import Loss


class TorchLoss(Loss):
    """A ``torch.nn`` loss (``nn.CrossEntropyLoss()``, ``nn.BCEWithLogitsLoss()``...) in ``compile``.

    ``compile(loss=torch.nn.CrossEntropyLoss())`` wraps the module in it: the
    module is called as torch calls it, ``module(y_pred, y_true)`` (Keras losses
    take ``(y_true, y_pred)``), with integer targets as ``int64`` class indices.
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
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"TorchLoss wraps a torch.nn loss module, got {module!r} "
                            f"({type(module).__name__}).")
        self.module = module
        super().__init__(name=name or backend.to_snake_case(type(module).__name__))

    def call(self, y_true, y_pred):
        """``module(y_pred, y_true)``: torch's argument order."""
        if not y_true.is_floating_point() and not y_true.is_complex():
            y_true = y_true.long()  # torch's class-index targets
        return self.module(y_pred, y_true)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The module's loss; per-sample values are weighted and averaged as Keras does."""
        if sample_weight is not None and getattr(self.module, "reduction", "none") != "none":
            raise ValueError(
                f"The torch loss {type(self.module).__name__}(reduction="
                f"{self.module.reduction!r}) returns one reduced value, which sample_weight / "
                "class_weight cannot weight per sample. Create it with reduction='none' (keraton "
                "then averages the weighted per-sample losses, as Keras does).")
        return super().__call__(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        """Not serializable: a torch loss module has no Keras config."""
        raise NotImplementedError(
            f"A TorchLoss ({type(self.module).__name__}) cannot be serialized; model.save writes "
            "the model uncompiled, with a warning.")
