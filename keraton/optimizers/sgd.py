"""``SGD``: gradient descent with optional (Nesterov) momentum, as ``keras.optimizers.SGD``."""

from __future__ import annotations

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_number


class SGD(Optimizer):
    """Gradient descent (with momentum), Keras 3's update rule and defaults.

    Without momentum ``w -= lr * g``.  With momentum (Keras's form, velocity
    starting at zero) ``v = momentum * v - lr * g`` then ``w += v``, or with
    ``nesterov=True`` ``w += momentum * v - lr * g``.  Under a constant
    learning rate this equals ``torch.optim.SGD``; when the learning rate
    changes, Keras's form (kept here) scales only the new gradients.

    Args:
        learning_rate: float or schedule, default 0.01 (``lr`` is accepted too).
        momentum: float in [0, 1], default 0.0.
        nesterov: whether to use Nesterov momentum, default False.
        **kwargs: the arguments shared by all optimizers (``weight_decay``,
            ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``use_ema``, ...).

    Example:

    >>> opt = keraton.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> opt.build(model.parameters())
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
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
        self.momentum = check_number("momentum", momentum, high=1.0)
        self.nesterov = bool(nesterov)
        self.momentums = []

    def _build_slots(self, variables):
        """One ``momentum`` tensor per variable, only when ``momentum != 0`` (as Keras)."""
        if self.momentum != 0:
            self.momentums += self.add_optimizer_variables(variables, "momentum")

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One SGD update of all ``variables`` with foreach ops."""
        if self.momentum == 0:
            foreach_ops.add_scaled_(variables, grads, -learning_rate)
            return
        velocities = self._take(self.momentums, indices)
        foreach_ops.mul_(velocities, self.momentum)
        foreach_ops.add_scaled_(velocities, grads, -learning_rate)
        if self.nesterov:
            foreach_ops.add_scaled_(variables, grads, -learning_rate)
            foreach_ops.add_scaled_(variables, velocities, self.momentum)
        else:
            foreach_ops.add_scaled_(variables, velocities, 1.0)

    def get_config(self):
        """Keras 3's SGD config: the shared keys plus ``momentum`` and ``nesterov``."""
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
