"""``Adagrad``: per-parameter learning rates from accumulated squared gradients (``keras.optimizers.Adagrad``)."""

from __future__ import annotations

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


class Adagrad(Optimizer):
    """Adagrad with Keras 3's update rule and defaults.

    ``acc += g**2`` (``acc`` starts at ``initial_accumulator_value``, 0.1), then
    ``w -= lr * g / sqrt(acc + epsilon)``.  ``torch.optim.Adagrad`` differs
    (accumulator starts at 0, epsilon outside the root, 1e-10), so Keras's
    rule is written out here.

    Args:
        learning_rate: float or schedule, default 0.001.
        initial_accumulator_value: starting value of the accumulators, default 0.1.
        epsilon: default 1e-7.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Adagrad(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
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
        self.initial_accumulator_value = check_number(
            "initial_accumulator_value", initial_accumulator_value)
        self.epsilon = check_epsilon(epsilon)
        self._accumulators = []

    def _build_slots(self, variables):
        """One ``accumulator`` per variable, filled with ``initial_accumulator_value``."""
        self._accumulators += self.add_optimizer_variables(
            variables, "accumulator", initializer=self.initial_accumulator_value)

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Adagrad update of all ``variables`` with foreach ops."""
        accumulators = self._take(self._accumulators, indices)
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denominators)
        foreach_ops.sub_scaled_div_(variables, grads, denominators, learning_rate)

    def get_config(self):
        """Keras 3's Adagrad config: the shared keys plus initial_accumulator_value and epsilon."""
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
