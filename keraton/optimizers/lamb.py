"""``Lamb``: Adam with a layer-wise trust ratio (You et al., 2019), as ``keras.optimizers.Lamb``."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


class Lamb(Optimizer):
    """LAMB with Keras 3's update rule and defaults.

    ``m += (1-b1)*(g-m)``, ``v += (1-b2)*(g**2-v)``, the Adam direction
    ``u = (m/(1-b1**t)) / (sqrt(v/(1-b2**t)) + epsilon)`` (epsilon added after
    the bias correction, unlike Keras's Adam), then per variable
    ``w -= r * lr * u`` with the trust ratio ``r = ||w|| / ||u||`` (1 when
    either norm is 0).  The norms are taken after weight decay, as in Keras.
    The bias corrections are computed on the host in the variables'
    precision; the trust ratios stay on the device (no host sync).

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: decay rates of the moment estimates, default 0.9 and 0.999.
        epsilon: default 1e-7.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Lamb(learning_rate=1e-3, weight_decay=0.01)
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
        self._momentums, self._velocities = [], []

    def _build_slots(self, variables):
        """``momentum`` and ``velocity`` per variable (Keras order)."""
        momentums, velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        self._momentums += momentums
        self._velocities += velocities

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One LAMB update of all ``variables`` with foreach ops."""
        f = self._host_float(variables)  # Keras computes the corrections in the variables' dtype
        one, t = f(1.0), f(self._local_step())
        m = self._take(self._momentums, indices)
        v = self._take(self._velocities, indices)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_1)  # Keras's m + (1-b1)*(g-m)
        torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1.0 - self.beta_2)

        denominators = torch._foreach_div(v, float(one - f(self.beta_2) ** t))
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        updates = torch._foreach_div(m, float(one - f(self.beta_1) ** t))
        torch._foreach_div_(updates, denominators)

        weight_norms = torch._foreach_norm(variables)
        update_norms = torch._foreach_norm(updates)
        ratios = [torch.where((w > 0) & (u > 0), w / u, 1.0)
                  for w, u in zip(weight_norms, update_norms, strict=True)]
        foreach_ops.mul_(ratios, learning_rate)
        torch._foreach_mul_(updates, ratios)
        torch._foreach_sub_(variables, updates)

    def get_config(self):
        """Keras 3's Lamb config: the shared keys plus the betas and epsilon."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
