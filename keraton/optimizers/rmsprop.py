"""``RMSprop``: root-mean-square propagation, as ``keras.optimizers.RMSprop``."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum), Keras 3's update rule and defaults.

    ``v = rho*v + (1-rho)*g**2``; ``centered``: ``a = rho*a + (1-rho)*g`` and
    ``v - a**2`` is used instead of ``v``.  The step is ``lr * g / sqrt(v + epsilon)``
    (epsilon *inside* the square root, as Keras; ``torch.optim.RMSprop`` adds
    it outside, so Keras's form is used).  With ``momentum > 0``:
    ``mom = momentum * mom + step; w -= mom``, else ``w -= step``.

    Args:
        learning_rate: float or schedule, default 0.001.
        rho: discount of the squared-gradient average, default 0.9.
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalise by the estimated variance, default False.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.RMSprop(learning_rate=1e-3, momentum=0.9, centered=True)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        """Create the optimizer; see the class docstring for the arguments."""
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = check_number("rho", rho, high=1.0)
        self.momentum = check_number("momentum", momentum, high=1.0)
        self.epsilon = check_epsilon(epsilon)
        self.centered = bool(centered)
        self._velocities, self._momentums, self._average_gradients = [], [], []

    def _build_slots(self, variables):
        """``velocity`` per variable, then ``momentum`` and ``average_gradient`` when used (Keras order)."""
        self._velocities += self.add_optimizer_variables(variables, "velocity")
        if self.momentum > 0:
            self._momentums += self.add_optimizer_variables(variables, "momentum")
        if self.centered:
            self._average_gradients += self.add_optimizer_variables(variables, "average_gradient")

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One RMSprop update of all ``variables`` with foreach ops."""
        denominators = self._denominators(grads, indices)
        if self.momentum > 0:
            momentums = self._take(self._momentums, indices)
            torch._foreach_mul_(momentums, self.momentum)
            foreach_ops.sub_scaled_div_(momentums, grads, denominators, -learning_rate)
            torch._foreach_sub_(variables, momentums)
        else:
            foreach_ops.sub_scaled_div_(variables, grads, denominators, learning_rate)

    def _denominators(self, grads, indices, epsilon_inside_root=True):
        """Update the averages of ``g**2`` (and ``g`` when centered); return ``sqrt(v + epsilon)``.

        With ``epsilon_inside_root=False``: ``sqrt(v) + epsilon`` (Keras 2's legacy rule).
        """
        rho = self.rho
        velocities = self._take(self._velocities, indices)
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, value=1.0 - rho)
        if epsilon_inside_root:
            denominators = torch._foreach_add(velocities, self.epsilon)
        else:
            denominators = [v.clone() for v in velocities]
        if self.centered:
            averages = self._take(self._average_gradients, indices)
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, grads, alpha=1.0 - rho)
            torch._foreach_addcmul_(denominators, averages, averages, value=-1.0)
        torch._foreach_sqrt_(denominators)
        if not epsilon_inside_root:
            torch._foreach_add_(denominators, self.epsilon)
        return denominators

    def get_config(self):
        """Keras 3's RMSprop config: the shared keys plus rho, momentum, epsilon, centered."""
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
