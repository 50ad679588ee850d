"""``TorchOptimizer``: any ``torch.optim.Optimizer`` as a keraton optimizer.

Keras 2 wrapped a TensorFlow optimizer given to ``compile`` in ``TFOptimizer``;
keraton does the same for PyTorch's: ``model.compile(optimizer=torch.optim.AdamW(
model.parameters(), lr=1e-3), loss=...)`` trains with torch's update rule.
"""

from __future__ import annotations

import warnings

import torch

from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.scalar_variable import ScalarVariable


class TorchOptimizer(Optimizer):
    """A ``torch.optim.Optimizer`` driven by keraton's ``fit``, as Keras 2's ``TFOptimizer`` for TensorFlow.

    ``compile(optimizer=...)`` wraps a torch optimizer in it automatically.
    torch's optimizer keeps its own update rule, defaults and state
    (``torch.optim.Adam``'s epsilon placement, not Keras's); keraton adds what
    its optimizers do around the update: ``iterations``, a ``learning_rate``
    that callbacks read and set (``ReduceLROnPlateau``,
    ``LearningRateScheduler``, ``K.set_value(model.optimizer.lr, ...)``), each
    weight's ``constraint`` after the step, and the shared Keras arguments
    (``clipnorm``, ``global_clipnorm``, ``clipvalue``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``use_ema``...).

    ``learning_rate`` is the first parameter group's ``lr``; setting it scales
    every group's ``lr`` by the same factor, so per-group ratios stay.  A
    ``torch.optim.lr_scheduler`` may drive the groups' ``lr`` as well: the value
    it set is the one the next step uses and ``learning_rate`` reports.

    Only the parameters in the torch optimizer's groups are trained (a warning
    names the trainable weights it leaves out).  The torch optimizer is not
    saved with the model, as Keras 2 did not save a ``TFOptimizer``: a loaded
    model must be compiled again.

    Args:
        optimizer: the ``torch.optim.Optimizer``, built on the model's
            parameters (``model.parameters()`` or parameter groups).
        name: the optimizer's name.
        **kwargs: the arguments shared by all keraton optimizers.

    Example:
        >>> model.compile(optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        ...               loss="mse")
    """

    _saved_with_model = False  # model.save writes the model uncompiled, without this optimizer

    def __init__(self, optimizer, name=None, **kwargs):
        """Wrap ``optimizer``; see the class docstring."""
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"TorchOptimizer wraps a torch.optim.Optimizer, got {optimizer!r} "
                            f"({type(optimizer).__name__}). For a keraton optimizer pass it to "
                            "compile() directly.")
        if "learning_rate" in kwargs or "lr" in kwargs:
            raise ValueError("TorchOptimizer takes its learning rate from the torch optimizer's "
                             "parameter groups; set `lr` there (or `learning_rate` after creation).")
        self.optimizer = optimizer
        self._pushed_lr = float(optimizer.param_groups[0]["lr"])
        super().__init__(learning_rate=self._pushed_lr, name=name, **kwargs)

    # ----------------------------------------------------------------- learning rate
    @property
    def learning_rate(self):
        """The first parameter group's learning rate (settable; see the class docstring)."""
        self._adopt_torch_learning_rate()
        return Optimizer.learning_rate.fget(self)

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    lr = learning_rate

    def _adopt_torch_learning_rate(self) -> None:
        """Take the ``lr`` that torch's side (an ``lr_scheduler``) set since the last step."""
        current = float(self.optimizer.param_groups[0]["lr"])
        if current != self._pushed_lr and isinstance(self._learning_rate, ScalarVariable):
            self._pushed_lr = current
            self._learning_rate.assign(current)

    def _current_learning_rate(self):
        self._adopt_torch_learning_rate()
        return super()._current_learning_rate()

    def _push_learning_rate(self, value) -> None:
        value = float(value)
        if value == self._pushed_lr:
            return
        groups = self.optimizer.param_groups
        factor = value / self._pushed_lr if self._pushed_lr else None
        for group in groups:
            group["lr"] = value if factor is None else group["lr"] * factor
        groups[0]["lr"] = value
        self._pushed_lr = value

    # ----------------------------------------------------------------- update
    def _build_slots(self, variables):
        """No slots: torch's optimizer keeps its state. Warn about weights it does not train."""
        known = {id(p) for group in self.optimizer.param_groups for p in group["params"]}
        left_out = [self._variable_label(v) for v in variables if id(v) not in known]
        if left_out:
            warnings.warn(
                f"The torch optimizer does not hold {len(left_out)} trainable weight(s) of the "
                f"model ({', '.join(left_out[:5])}{'...' if len(left_out) > 5 else ''}); they will "
                "not be trained. Build it on model.parameters() after the model is built, or add "
                "them with optimizer.add_param_group().", UserWarning, stacklevel=4)

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One ``optimizer.step()`` on ``grads`` (after Keras's clipping/unscaling) for ``variables``."""
        self._push_learning_rate(learning_rate)
        chosen = {id(v) for v in variables}
        hidden = []  # torch's parameters outside this update keep their gradients out of its step
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                if id(p) not in chosen and p.grad is not None:
                    hidden.append((p, p.grad))
                    p.grad = None
        for p, g in zip(variables, grads, strict=True):
            if p.grad is not g:
                p.grad = g
        try:
            self.optimizer.step()
        finally:
            for p, g in hidden:
                p.grad = g

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of the model's weights and of every parameter torch's optimizer holds."""
        super().zero_grad(set_to_none)
        self.optimizer.zero_grad(set_to_none=set_to_none)

    # ----------------------------------------------------------------- saving
    def get_config(self) -> dict:
        """Not serializable: a torch optimizer has no Keras config (Keras 2's ``TFOptimizer`` neither)."""
        raise NotImplementedError(
            "A TorchOptimizer (a torch.optim optimizer given to compile) cannot be serialized: "
            "save the model without it and compile again after loading (model.save does this "
            "with a warning); save torch's state with optimizer.optimizer.state_dict().")
