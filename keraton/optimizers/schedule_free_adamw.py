"""``ScheduleFreeAdamW``: schedule-free AdamW (Defazio et al., 2024), as ``keras.optimizers.ScheduleFreeAdamW``."""

from __future__ import annotations

import numbers

import torch

from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_number


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW with Keras 3.15's update rule, defaults, state and config.

    Schedule-free learning replaces a learning-rate schedule by averaging.
    Per variable the optimizer keeps a ``momentum`` slot ``z`` (the sequence
    the gradient steps move, initialised to the variable's value when the
    optimizer is built) and a ``velocity`` ``v`` (Adam's second moment); the
    model's variable holds the averaged iterate ``y``.  At step ``t``
    (1-based), with ``lr`` scaled by ``min(t / warmup_steps, 1)`` when
    ``warmup_steps > 0``::

        v = v + (1 - beta_2) * (g**2 - v)
        z = z - lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
        y = (1 - 1/t) * y + (1/t) * z

    This is what Keras 3.15.1 computes with its torch backend: its
    ``update_step`` writes the schedule-free interpolation ``x_old = (y - (1 -
    beta_1) * z_old) / beta_1``, ``y = (1 - beta_1) * z + beta_1 * lerp(x_old,
    z, 1/t)``, but ``z_old`` is read from the live tensor after ``z`` has been
    updated in place, and with ``z_old == z`` that algebra reduces (up to rounding) to
    the last line above, so ``beta_1`` does not change the update (it is kept
    for the config).  Keras's JAX backend, whose arrays are immutable, gets
    the paper's interpolation instead; keraton follows the torch backend.

    Decoupled weight decay (``w *= 1 - weight_decay * lr``, with the learning
    rate before warmup) is applied to ``y`` first, as in Keras.  All variables
    are updated at once with ``torch._foreach_*`` ops.

    Like Keras 3.15, nothing swaps the model's weights between sequences:
    ``evaluate``, ``predict`` and saving use the variables as the training
    steps leave them.

    Args:
        learning_rate: float or schedule, default 0.0025.
        beta_1: schedule-free interpolation rate, default 0.9 (see above: it
            leaves the torch-backend update unchanged).
        beta_2: decay rate of the second moment estimate, default 0.999.
        epsilon: default 1e-8.
        warmup_steps: steps over which the learning rate grows linearly from
            ``lr / warmup_steps`` to ``lr``, default 0 (no warmup).
        **kwargs: the arguments shared by all optimizers (``weight_decay``, clipping, EMA...).

    Example:

    >>> opt = keraton.optimizers.ScheduleFreeAdamW(learning_rate=0.0025, warmup_steps=100)
    >>> model.compile(optimizer=opt, loss="mse")
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
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
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, numbers.Integral) \
                or warmup_steps < 0:
            raise ValueError("Argument `warmup_steps` must be an integer >= 0 (0: no warmup). "
                             f"Received: warmup_steps={warmup_steps!r}")
        self.warmup_steps = int(warmup_steps)
        # Per built variable (index as in the built list); None where the variable takes its
        # gradient as value (overwrite_with_gradient), as Keras creates no slot for it.
        self._momentums, self._velocities = [], []

    def _build_slots(self, variables):
        """``momentum`` (a copy of the variable: schedule-free's ``z``), then ``velocity``, per variable."""
        for v in variables:  # interleaved per variable, Keras's creation order
            if getattr(v, "overwrite_with_gradient", False):
                self._momentums.append(None)
                self._velocities.append(None)
                continue
            self._momentums.append(self.add_variable_from_reference(v, "momentum", initializer=v))
            self._velocities.append(self.add_variable_from_reference(v, "velocity"))

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One schedule-free AdamW update of all ``variables`` with foreach ops."""
        f = self._host_float(variables)
        t = f(self._local_step())
        one = f(1.0)
        if self.warmup_steps > 0:
            learning_rate = learning_rate * float(min(t / f(self.warmup_steps), one))
        bias_correction_2 = float(one - f(self.beta_2) ** t)
        weight = float(one / t)
        z = self._take(self._momentums, indices)
        v = self._take(self._velocities, indices)
        torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1.0 - self.beta_2)
        denominators = torch._foreach_div(v, bias_correction_2)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        steps = torch._foreach_div(grads, denominators)
        torch._foreach_mul_(steps, learning_rate)  # lr * g / denom: a float or a 0-d tensor
        torch._foreach_sub_(z, steps)
        # Keras's torch backend reads `z_old` after z is updated in place (Variable.value is
        # the live tensor), so its x_old/x_new/y_new algebra reduces to y = lerp(y, z, 1/t).
        torch._foreach_lerp_(variables, z, weight)

    def get_config(self):
        """Keras 3.15's config: the shared keys plus betas, epsilon and ``warmup_steps``."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config

