"""``Lion``: sign-of-momentum updates (Chen et al., 2023), as ``keras.optimizers.Lion``."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_number


class Lion(Optimizer):
    """Lion with Keras 3's update rule and defaults.

    ``w -= lr * sign(b1*m + (1-b1)*g)``, then ``m = b2*m + (1-b2)*g``: one
    ``momentum`` per variable, no second moment.  The interpolation inside
    ``sign`` is written as Keras writes it (not ``lerp``), since a last-bit
    difference there could flip a sign near zero; ``m`` uses ``lerp``.  As
    in Keras, ``beta_1`` must lie in ``(0, 1]``.  A good learning rate is
    typically 3-10x smaller than AdamW's, its weight decay 3-10x larger.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1: weight of the momentum in the sign's argument, default 0.9.
        beta_2: decay rate of the momentum, default 0.99.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Lion(learning_rate=1e-4, weight_decay=0.1)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99,
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
        if self.beta_1 == 0.0:
            raise ValueError(
                "Argument `beta_1` must be in the (0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_2 = check_number("beta_2", beta_2, high=1.0)
        self._momentums = []

    def _build_slots(self, variables):
        """One ``momentum`` per variable (Keras order)."""
        self._momentums += self.add_optimizer_variables(variables, "momentum")

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Lion update of all ``variables`` with foreach ops."""
        m = self._take(self._momentums, indices)
        directions = torch._foreach_mul(m, self.beta_1)
        torch._foreach_add_(directions, grads, alpha=1.0 - self.beta_1)
        torch._foreach_sign_(directions)
        foreach_ops.add_scaled_(variables, directions, -learning_rate)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_2)

    def get_config(self):
        """Keras 3's Lion config: the shared keys plus the betas."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
