"""``Nadam``: Adam with Nesterov momentum, as ``keras.optimizers.Nadam``."""

from __future__ import annotations

import numpy as np
import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


class Nadam(Optimizer):
    """Nadam with Keras 3's update rule (Dozat's momentum schedule) and defaults.

    With ``u_t = b1 * (1 - 0.5 * 0.96**t)`` and ``P_t = u_1 * ... * u_t``:
    ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g**2``,
    ``m_hat = u_{t+1}*m/(1-P_{t+1}) + (1-u_t)*g/(1-P_t)``, ``v_hat = v/(1-b2**t)``,
    ``w -= lr * m_hat / (sqrt(v_hat) + epsilon)``.  ``torch.optim.NAdam``
    uses another momentum decay, so the rule is written out.  ``P_t`` is kept
    as a Python float (and mirrored in a tensor listed in ``variables``, as
    Keras's ``u_product``), so the step needs no host sync.  The scalar
    coefficients are computed in the variables' precision, as Keras does;
    ``m`` is updated with ``lerp`` (last-bit differences from Keras only).

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: default 0.9 and 0.999.
        epsilon: default 1e-7.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Nadam(learning_rate=2e-3)
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
        self._u_product = None
        self._u_product_value = 1.0

    def _build_slots(self, variables):
        """``momentum`` and ``velocity`` per variable, then the scalar ``u_product`` (Keras order)."""
        momentums, velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        self._momentums += momentums
        self._velocities += velocities
        if self._u_product is None and variables:
            first = variables[0]
            self._u_product = self.add_variable((), 1.0, first.dtype, "u_product", first.device)

    def _after_variables_loaded(self):
        """Refresh the host copy of ``u_product`` after weights were loaded."""
        if self._u_product is not None:
            self._u_product_value = float(self._u_product)

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Nadam update of all ``variables`` with foreach ops."""
        # Scalars in the variables' precision (float32 unless float64), as Keras computes them.
        f = self._host_float(variables)
        one, half, t = f(1.0), f(0.5), f(self._local_step())
        b1, b2, decay = f(self.beta_1), f(self.beta_2), f(0.96)
        u_t = b1 * (one - half * decay ** self._schedule_exponent(t, f))
        u_t_1 = b1 * (one - half * decay ** self._schedule_exponent(t + one, f))
        u_product_t = f(self._u_product_value) * u_t
        u_product_t_1 = u_product_t * u_t_1
        self._u_product_value = float(u_product_t)
        self._u_product.fill_(self._u_product_value)

        m = self._take(self._momentums, indices)
        v = self._take(self._velocities, indices)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1.0 - self.beta_2)

        m_hat = torch._foreach_mul(m, float(u_t_1 / (one - u_product_t_1)))
        torch._foreach_add_(m_hat, grads, alpha=float((one - u_t) / (one - u_product_t)))
        denominators = torch._foreach_sqrt(v)
        torch._foreach_div_(denominators, float(np.sqrt(one - b2**t)))
        torch._foreach_add_(denominators, self.epsilon)
        foreach_ops.sub_scaled_div_(variables, m_hat, denominators, learning_rate)

    def _schedule_exponent(self, t, f):
        """The power of 0.96 in the momentum schedule ``u_t``: the step ``t`` (Keras 3)."""
        return t

    def get_config(self):
        """Keras 3's Nadam config: the shared keys plus the betas and epsilon."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
