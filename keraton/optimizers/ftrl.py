"""``Ftrl``: Follow The Regularized Leader (McMahan et al., 2013), as ``keras.optimizers.Ftrl``."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_number


class Ftrl(Optimizer):
    """FTRL-Proximal with Keras 3's update rule and defaults (suited to wide, sparse models).

    With ``p = -learning_rate_power``, ``g' = g + 2*l2_shrinkage*w`` and
    ``n' = n + g**2`` (``n`` starts at ``initial_accumulator_value``):
    ``z += g' - (n'**p - n**p) / lr * w``, then
    ``w = (clip(z, -l1, l1) - z) / (n'**p / lr + 2*(l2 + beta/(2*lr)))`` and
    ``n = n'``.  State per variable, in Keras's order: ``accumulator`` (``n``)
    and ``linear`` (``z``).  torch has no FTRL, so the rule is written out;
    the arguments are checked as Keras checks them (``learning_rate_power``
    <= 0, the others >= 0).

    Args:
        learning_rate: float or schedule, default 0.001.
        learning_rate_power: how the learning rate decays with ``n``, <= 0; default -0.5
            (0 gives a fixed learning rate).
        initial_accumulator_value: starting value of ``n``, >= 0; default 0.1.
        l1_regularization_strength: L1 strength ``l1``, default 0.
        l2_regularization_strength: L2 (stabilisation) strength ``l2``, default 0.
        l2_shrinkage_regularization_strength: L2 penalty on the weights' magnitude, added to
            the gradient; default 0.
        beta: the paper's beta, default 0.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0,
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
        self.learning_rate_power = check_number(
            "learning_rate_power", learning_rate_power, low=None, high=0.0)
        self.initial_accumulator_value = check_number(
            "initial_accumulator_value", initial_accumulator_value)
        self.l1_regularization_strength = check_number(
            "l1_regularization_strength", l1_regularization_strength)
        self.l2_regularization_strength = check_number(
            "l2_regularization_strength", l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = check_number(
            "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)
        self.beta = check_number("beta", beta, low=None)
        self._accumulators, self._linears = [], []

    def _build_slots(self, variables):
        """``accumulator`` (from ``initial_accumulator_value``) and ``linear`` per variable."""
        for v in variables:  # Keras interleaves the two names per variable.
            self._accumulators.append(self.add_variable_from_reference(
                v, "accumulator", initializer=self.initial_accumulator_value))
            self._linears.append(self.add_variable_from_reference(v, "linear"))

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One FTRL update of all ``variables`` with foreach ops."""
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        accumulators = self._take(self._accumulators, indices)
        linears = self._take(self._linears, indices)

        new_accumulators = torch._foreach_addcmul(accumulators, grads, grads)
        new_powers = torch._foreach_pow(new_accumulators, power)
        sigmas = torch._foreach_sub(new_powers, torch._foreach_pow(accumulators, power))
        foreach_ops.div_(sigmas, learning_rate)
        torch._foreach_mul_(sigmas, variables)
        torch._foreach_add_(linears, grads)
        if self.l2_shrinkage_regularization_strength:
            torch._foreach_add_(linears, variables,
                                alpha=2.0 * self.l2_shrinkage_regularization_strength)
        torch._foreach_sub_(linears, sigmas)

        foreach_ops.div_(new_powers, learning_rate)
        foreach_ops.add_(new_powers, 2.0 * l2)
        clipped = torch._foreach_clamp_min(linears, -l1)
        torch._foreach_clamp_max_(clipped, l1)
        torch._foreach_sub_(clipped, linears)
        torch._foreach_div_(clipped, new_powers)
        torch._foreach_copy_(variables, clipped)
        torch._foreach_copy_(accumulators, new_accumulators)

    def get_config(self):
        """Keras 3's Ftrl config: the shared keys plus the FTRL arguments, in Keras's order."""
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
