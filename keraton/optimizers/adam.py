"""``Adam``: adaptive moment estimation, as ``keras.optimizers.Adam`` (AMSGrad included)."""

from __future__ import annotations

import numpy as np
import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number


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

    Speed: where torch has a fused Adam kernel for the variables (float
    variables and gradients on one CPU or CUDA device), the update runs in
    it, one pass over each tensor instead of seven foreach passes.  torch's
    kernel adds epsilon after the bias correction, so it is given
    ``epsilon / sqrt(1 - b2**t)`` and a rescaled learning rate each step,
    which turn its rule into Keras's (equal up to float rounding).

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
        self.epsilon = check_epsilon(epsilon)
        self.amsgrad = bool(amsgrad)
        self._momentums, self._velocities, self._velocity_hats = [], [], []
        self._fused_steps = {}  # device -> 0-d float tensor holding t for torch's fused kernel

    def _build_slots(self, variables):
        """``momentum`` and ``velocity`` per variable, then ``velocity_hat`` with amsgrad (Keras order)."""
        momentums, velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        self._momentums += momentums
        self._velocities += velocities
        if self.amsgrad:
            self._velocity_hats += self.add_optimizer_variables(variables, "velocity_hat")

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One Adam update of all ``variables``: torch's fused kernel where it applies, else foreach ops."""
        b1, b2 = self.beta_1, self.beta_2
        f = self._host_float(variables)
        t = f(self._local_step())
        correction = float(np.sqrt(f(1.0) - f(b2) ** t) / (f(1.0) - f(b1) ** t))
        if _fusable(grads, variables):
            self._fused_update(grads, variables, learning_rate, correction, indices, float(t))
            return
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

    def _fused_update(self, grads, variables, learning_rate, correction, indices, t):
        """Keras's Adam step through ``torch._fused_adam_`` (see the class docstring).

        torch's kernel computes ``w -= lr/(1-b1**t) * m / (sqrt(v)/sqrt(1-b2**t) + eps)``
        with the corrections in double.  Given ``eps / sqrt(1-b2**t)`` and a learning
        rate that swaps its corrections for Keras's (computed in float32 on the host,
        whose rounding Keras's results carry), it computes Keras's update.
        """
        device = variables[0].device
        step = self._fused_steps.get(device)
        if step is None:
            step = self._fused_steps[device] = torch.zeros((), dtype=torch.float32, device=device)
        step.fill_(t)
        torch_bc1, torch_bc2_sqrt = 1.0 - self.beta_1 ** t, (1.0 - self.beta_2 ** t) ** 0.5
        v_hats = self._take(self._velocity_hats, indices) if self.amsgrad else []
        torch._fused_adam_(
            variables, grads, self._take(self._momentums, indices),
            self._take(self._velocities, indices), v_hats, [step] * len(variables),
            lr=learning_rate * (correction * torch_bc1 / torch_bc2_sqrt), beta1=self.beta_1,
            beta2=self.beta_2, weight_decay=0.0, eps=self.epsilon / torch_bc2_sqrt,
            amsgrad=self.amsgrad, maximize=False)

    def get_config(self):
        """Keras 3's Adam config: the shared keys plus the betas, epsilon and amsgrad."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


_FUSED_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)


def _fusable(grads, variables) -> bool:
    """Whether torch's fused Adam kernel can update these variables (one device, float, dense)."""
    device = variables[0].device
    if device.type not in ("cpu", "cuda"):
        return False
    dtype = variables[0].dtype
    if dtype not in _FUSED_DTYPES:
        return False
    for g, v in zip(grads, variables, strict=True):
        if v.dtype is not dtype or g.dtype is not dtype or g.is_sparse or v.device != device \
                or g.device != device:
            return False
    return True
