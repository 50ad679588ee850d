"""``Adamax``: Adam with the infinity norm, as ``keras.optimizers.Adamax``."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


class Adamax(Optimizer):
    """Adamax with Keras 3's update rule and defaults.

    ``m = b1*m + (1-b1)*g``, ``u = max(b2*u, |g|)``, then
    ``w -= lr * m / ((u + epsilon) * (1 - b1**t))``.  ``torch.optim.Adamax``
    adds epsilon inside the max instead; Keras's form is used (``m`` via
    ``lerp``: last-bit differences only).

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: default 0.9 and 0.999.
        epsilon: default 1e-7.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Adamax(learning_rate=2e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
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
        self.beta_1 = check_number("beta_1", beta_1, high=1.0)
        self.beta_2 = check_number("beta_2", beta_2, high=1.0)
        self.epsilon = check_epsilon(epsilon)
        self._m, self._u = [], []

    def _build_slots(self, variables):
        """``momentum`` and ``norm`` per variable (Keras order)."""
        m, u = self.add_optimizer_variables(variables, ["momentum", "norm"])
        self._m += m
        self._u += u

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Adamax update of all ``variables`` with foreach ops."""
        b1 = self.beta_1
        m = self._take(self._m, indices)
        u = self._take(self._u, indices)
        torch._foreach_lerp_(m, grads, 1.0 - b1)
        torch._foreach_mul_(u, self.beta_2)
        torch._foreach_maximum_(u, torch._foreach_abs(grads))
        denominators = torch._foreach_add(u, self.epsilon)
        f = self._host_float(variables)  # Keras computes the correction in the variables' dtype
        torch._foreach_mul_(denominators, float(f(1.0) - f(b1) ** f(self._local_step())))
        foreach_ops.sub_scaled_div_(variables, m, denominators, learning_rate)

    def get_config(self):
        """Keras 3's Adamax config: the shared keys plus the betas and epsilon."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
