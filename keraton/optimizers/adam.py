"""``Adam``: adaptive moment estimation, as ``keras.optimizers.Adam`` (AMSGrad included)."""

from __future__ import annotations

import numpy as np
import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_number


class Adam(Optimizer):
    """Adam with Keras 3's update rule and defaults.

    ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g**2`` (``v_hat = max(v_hat, v)``
    with ``amsgrad``), then ``w -= lr * sqrt(1-b2**t)/(1-b1**t) * m / (sqrt(v) + epsilon)``.
    Epsilon is added to the *uncorrected* ``sqrt(v)`` as Keras does, so this
    differs from ``torch.optim.Adam`` (which adds it after bias correction);
    Keras's form is used.  As in Keras, the bias correction is computed in
    the variables' precision (float32 unless they are float64), on the host.
    Remaining difference: ``m`` is updated with ``lerp`` (one fused pass),
    which can differ from Keras's ``b1*m + (1-b1)*g`` in the last bit.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: decay rates of the moment estimates, default 0.9 and 0.999.
        epsilon: default 1e-7 (Keras's, not torch's 1e-8).
        amsgrad: use the AMSGrad variant, default False.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Adam(learning_rate=1e-3, amsgrad=True)
    >>> opt.apply_gradients(zip(grads, params))
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
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
        self.epsilon = check_number("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)
        self._momentums, self._velocities, self._velocity_hats = [], [], []

    def _build_slots(self, variables):
        """``momentum`` and ``velocity`` per variable, then ``velocity_hat`` with amsgrad (Keras order)."""
        momentums, velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        self._momentums += momentums
        self._velocities += velocities
        if self.amsgrad:
            self._velocity_hats += self.add_optimizer_variables(variables, "velocity_hat")

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Adam update of all ``variables`` with foreach ops."""
        b1, b2 = self.beta_1, self.beta_2
        f = self._host_float(variables)
        t = f(self._local_step())
        correction = float(np.sqrt(f(1.0) - f(b2) ** t) / (f(1.0) - f(b1) ** t))
        alpha = learning_rate * correction
        m = self._take(self._momentums, indices)
        v = self._take(self._velocities, indices)
        torch._foreach_lerp_(m, grads, 1.0 - b1)
        torch._foreach_mul_(v, b2)
        torch._foreach_addcmul_(v, grads, grads, value=1.0 - b2)
        if self.amsgrad:
            v_hat = self._take(self._velocity_hats, indices)
            torch._foreach_maximum_(v_hat, v)
            v = v_hat
        denominators = torch._foreach_sqrt(v)
        torch._foreach_add_(denominators, self.epsilon)
        foreach_ops.sub_scaled_div_(variables, m, denominators, alpha)

    def get_config(self):
        """Keras 3's Adam config: the shared keys plus the betas, epsilon and amsgrad."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
