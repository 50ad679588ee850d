"""``Adadelta``: learning rates adapted from moving windows of updates (``keras.optimizers.Adadelta``)."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


class Adadelta(Optimizer):
    """Adadelta with Keras 3's update rule and defaults (``learning_rate`` 0.001, ``rho`` 0.95).

    ``Eg = rho*Eg + (1-rho)*g**2``;
    ``d = -sqrt(Ed + eps) * g / sqrt(Eg + eps)``;
    ``Ed = rho*Ed + (1-rho)*d**2``; ``w += lr * d``.  This is also
    ``torch.optim.Adadelta``'s rule, but Keras's defaults differ from torch's
    (lr 1.0, rho 0.9, eps 1e-6); Keras's are used.

    Args:
        learning_rate: float or schedule, default 0.001.
        rho: decay rate, default 0.95.
        epsilon: default 1e-7.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Adadelta(learning_rate=1.0, rho=0.95)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        """Create the optimizer; see the class docstring for the arguments."""
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = check_number("rho", rho, high=1.0)
        self.epsilon = check_epsilon(epsilon)
        self._accumulated_grads, self._accumulated_delta_vars = [], []

    def _build_slots(self, variables):
        """``accumulated_grad`` and ``accumulated_delta_var`` per variable (Keras order)."""
        grads, deltas = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])
        self._accumulated_grads += grads
        self._accumulated_delta_vars += deltas

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Adadelta update of all ``variables`` with foreach ops."""
        rho, eps = self.rho, self.epsilon
        acc_grads = self._take(self._accumulated_grads, indices)
        acc_deltas = self._take(self._accumulated_delta_vars, indices)
        torch._foreach_mul_(acc_grads, rho)
        torch._foreach_addcmul_(acc_grads, grads, grads, value=1.0 - rho)
        deltas = torch._foreach_add(acc_deltas, eps)
        torch._foreach_sqrt_(deltas)
        torch._foreach_mul_(deltas, grads)
        rms_grads = torch._foreach_add(acc_grads, eps)
        torch._foreach_sqrt_(rms_grads)
        torch._foreach_div_(deltas, rms_grads)
        torch._foreach_neg_(deltas)
        torch._foreach_mul_(acc_deltas, rho)
        torch._foreach_addcmul_(acc_deltas, deltas, deltas, value=1.0 - rho)
        foreach_ops.add_scaled_(variables, deltas, learning_rate)

    def get_config(self):
        """Keras 3's Adadelta config: the shared keys plus rho and epsilon."""
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
