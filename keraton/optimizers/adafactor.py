"""``Adafactor``: updates with factored second moments, as ``keras.optimizers.Adafactor``."""

from __future__ import annotations

import math
import numbers

import torch

from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_number


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018) with Keras 3's update rule, defaults and state.

    With ``t`` the step, ``rho = min(lr, 1/sqrt(t))``,
    ``beta = 1 - t**beta_2_decay`` and ``s = g**2 + epsilon_1``: a variable of
    rank >= 2 keeps the row means ``r`` (last axis removed) and column means
    ``c`` (second-to-last axis removed) of ``s`` as moving averages with
    ``beta``, and ``v = r / mean(r) * c`` (outer product over the last two
    axes); a variable of rank < 2 keeps ``v`` itself as a moving average of
    ``s``.  Then ``u = g / sqrt(v)``,
    ``u /= max(1, rms(u) / clip_threshold)`` and
    ``w -= max(epsilon_2, rms(w)) * rho * u``.

    State per variable, in Keras's order: ``r``, ``c``, ``velocity``.  For a
    rank < 2 variable Keras stores 0-d int32 placeholders as ``r`` and
    ``c``; keraton does too, so saved optimizers have Keras's layout.

    As in Keras 3.15, ``rho`` is ``min(lr, 1/sqrt(t))`` whether or not
    ``relative_step`` is set (Keras applies that minimum twice when it is),
    so ``relative_step`` is kept for the config but does not change the update.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_2_decay: the decay rate of ``beta``, default -0.8.
        epsilon_1: offset keeping the denominator away from 0, default 1e-30.
        epsilon_2: lower bound of ``rms(w)`` in the step size, default 1e-3.
        clip_threshold: threshold of the update clipping, default 1.0 (independent of
            ``clipnorm``, ``clipvalue`` and ``global_clipnorm``).
        relative_step: default True; see above.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Adafactor(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True,
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
        self.beta_2_decay = check_number("beta_2_decay", beta_2_decay, low=None)
        self.epsilon_1 = check_number("epsilon_1", epsilon_1)
        self.epsilon_2 = check_number("epsilon_2", epsilon_2)
        self.clip_threshold = check_number("clip_threshold", clip_threshold)
        if self.clip_threshold == 0.0:
            raise ValueError("Argument `clip_threshold` must be > 0, received: clip_threshold=0.")
        self.relative_step = bool(relative_step)
        self._r, self._c, self._v = [], [], []

    def _build_slots(self, variables):
        """``r``, ``c`` and ``velocity`` per variable (Keras order and shapes)."""
        for v in variables:
            label = self._variable_label(v)
            if v.dim() < 2:
                self._r.append(self.add_variable((), 0, "int32", label, v.device))
                self._c.append(self.add_variable((), 0, "int32", label, v.device))
            else:
                shape = tuple(v.shape)
                self._r.append(self.add_variable(shape[:-1], 0, v.dtype, label, v.device))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], 0, v.dtype, label,
                                                 v.device))
            self._v.append(self.add_variable_from_reference(v, "velocity"))

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Adafactor update of all ``variables`` (foreach ops plus per-variable factoring)."""
        f = self._host_float(variables)  # Keras computes these scalars in the variables' dtype
        t = f(self._local_step())
        inverse_sqrt_t = f(1.0) / f(math.sqrt(t))
        if isinstance(learning_rate, numbers.Number):
            rho = float(min(f(learning_rate), inverse_sqrt_t))
        else:
            rho = torch.clamp(learning_rate, max=float(inverse_sqrt_t))
        beta = f(1.0) - t ** f(self.beta_2_decay)
        beta, one_minus_beta = float(beta), float(f(1.0) - beta)

        # Step sizes from the weights before this update (after weight decay, as Keras).
        step_sizes = [torch.clamp(n / math.sqrt(w.numel()), min=self.epsilon_2) * rho
                      for n, w in zip(torch._foreach_norm(variables), variables, strict=True)]
        squares = torch._foreach_mul(grads, grads)
        torch._foreach_add_(squares, self.epsilon_1)
        velocities = self._take(self._v, indices)
        rows, cols = self._take(self._r, indices), self._take(self._c, indices)
        flat = [k for k, w in enumerate(variables) if w.dim() < 2]
        if flat:
            flat_v = [velocities[k] for k in flat]
            torch._foreach_mul_(flat_v, beta)
            torch._foreach_add_(flat_v, [squares[k] for k in flat], alpha=one_minus_beta)
        for k, w in enumerate(variables):
            if w.dim() >= 2:
                r, c = rows[k], cols[k]
                r.mul_(beta).add_(squares[k].mean(dim=-1), alpha=one_minus_beta)
                c.mul_(beta).add_(squares[k].mean(dim=-2), alpha=one_minus_beta)
                torch.mul((r / r.mean(dim=-1, keepdim=True)).unsqueeze(-1), c.unsqueeze(-2),
                          out=velocities[k])

        updates = torch._foreach_div(grads, torch._foreach_sqrt(velocities))
        scales = [size / torch.clamp(n / (math.sqrt(u.numel()) * self.clip_threshold), min=1.0)
                  for size, n, u in zip(step_sizes, torch._foreach_norm(updates), updates,
                                        strict=True)]
        torch._foreach_mul_(updates, scales)
        torch._foreach_sub_(variables, updates)

    def get_config(self):
        """Keras 3's Adafactor config: the shared keys plus the Adafactor arguments."""
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config
