"""``Muon``: orthogonalised momentum for matrices, AdamW for the rest, as ``keras.optimizers.Muon``."""

from __future__ import annotations

import math
import re

import torch

from keraton.optimizers import foreach_ops
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_config import check_epsilon, check_number
from keraton.optimizers.optimizer_state import variable_path


class Muon(Optimizer):
    """Muon (Jordan et al., 2024; Liu et al., 2025) with Keras 3.15's rules, defaults and state.

    Each variable is updated by one of two rules, chosen once when the
    optimizer is built, exactly as Keras chooses:

    - **AdamW** for every variable whose Keras shape is not 2-D (biases,
      conv kernels, norms), for those whose path contains ``"embedding"``
      (any case) when ``exclude_embeddings``, and for those whose path
      matches (``re.search``) one of ``exclude_layers``.  The rule is Keras's
      Adam (epsilon added to the uncorrected ``sqrt(v)``) with learning rate
      ``learning_rate * adam_lr_ratio``.
    - **Muon** for the other (2-D) variables: ``m = momentum*m + g``; the
      update ``g + momentum*m`` (``nesterov``) or ``m`` is orthogonalised by
      ``ns_steps`` quintic Newton-Schulz iterations with coefficients
      ``(muon_a, muon_b, muon_c)`` after scaling it to unit Frobenius norm,
      then ``w -= lr * sqrt(max(rows, cols)) * rms_rate * update`` (no
      ``sqrt(...) * rms_rate`` factor when ``rms_rate`` is None).

    Decoupled weight decay ``w *= 1 - wd * lr`` runs first, with
    ``wd = weight_decay`` for the Muon variables and ``adam_weight_decay``
    for the AdamW ones (``None`` skips them; ``exclude_from_weight_decay``
    applies to both).  The state is Keras's: a ``momentum`` for every
    variable, followed by a ``velocity`` for each AdamW one, so
    ``variables``, ``get_weights`` and saved files line up with Keras's.

    The Muon variables of one shape are orthogonalised together as one
    batch of matrices (the same arithmetic, batched).  A weight that keraton
    stores in another layout than Keras's (a recurrent kernel) is
    orthogonalised in Keras's layout, since Newton-Schulz is not invariant
    under every re-arrangement of the entries.

    Args:
        learning_rate: float or schedule, default 0.001.
        adam_beta_1, adam_beta_2: AdamW's moment decay rates, default 0.9 and 0.999.
        adam_weight_decay: weight decay of the AdamW variables, default 0.004.
        epsilon: AdamW's epsilon, default 1e-7.
        weight_decay: weight decay of the Muon variables, default 0.004.
        exclude_layers: list of regular expressions; variables whose path
            matches one use AdamW (typically the output layer's name).
        exclude_embeddings: variables with ``"embedding"`` in their path use
            AdamW, default True.
        muon_a, muon_b, muon_c: Newton-Schulz coefficients, default
            3.4445, -4.7750, 2.0315.
        adam_lr_ratio: AdamW's learning rate over ``learning_rate``, default 1.
        momentum: Muon's momentum, default 0.95.
        ns_steps: number of Newton-Schulz iterations, default 5.
        nesterov: use Nesterov momentum, default True.
        rms_rate: Moonlight's update-RMS matching factor, default 0.2; None disables it.
        **kwargs: the arguments shared by all optimizers.

    Example:

    >>> opt = keraton.optimizers.Muon(learning_rate=1e-3, exclude_layers=["head"])
    >>> model.compile(optimizer=opt, loss="mse")
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        """Create the optimizer; see the class docstring for the arguments."""
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.adam_beta_1 = check_number("adam_beta_1", adam_beta_1, high=1.0)
        self.adam_beta_2 = check_number("adam_beta_2", adam_beta_2, high=1.0)
        self.adam_weight_decay = check_number("adam_weight_decay", adam_weight_decay,
                                              allow_none=True)
        self.epsilon = check_epsilon(epsilon)
        self.exclude_layers = _check_patterns(exclude_layers)
        self.exclude_embeddings = bool(exclude_embeddings)
        self.muon_a = check_number("muon_a", muon_a, low=None)
        self.muon_b = check_number("muon_b", muon_b, low=None)
        self.muon_c = check_number("muon_c", muon_c, low=None)
        self.adam_lr_ratio = check_number("adam_lr_ratio", adam_lr_ratio)
        self.momentum = check_number("momentum", momentum, high=1.0)
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError(f"Argument `ns_steps` must be an integer >= 0, received: ns_steps={ns_steps!r}")
        self.ns_steps = ns_steps
        self.nesterov = bool(nesterov)
        self.rms_rate = check_number("rms_rate", rms_rate, allow_none=True)
        # Per built variable (index as in the built list): its momentum (None when the variable
        # takes its gradient as value), its velocity (None on the Muon ones), whether it uses AdamW.
        self._momentums, self._velocities, self._uses_adam = [], [], []

    def _should_use_adamw(self, variable) -> bool:
        """Keras's choice: AdamW unless 2-D and not excluded by embedding name or ``exclude_layers``."""
        if variable.dim() != 2:
            return True
        path = variable_path(variable) or ""
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def _build_slots(self, variables):
        """Per variable, Keras's order: ``momentum``, then ``velocity`` if it uses AdamW."""
        for v in variables:
            uses_adam = self._should_use_adamw(v)
            self._uses_adam.append(uses_adam)
            if getattr(v, "overwrite_with_gradient", False):
                self._momentums.append(None)
                self._velocities.append(None)
                continue
            self._momentums.append(self.add_variable_from_reference(v, "momentum"))
            self._velocities.append(self.add_variable_from_reference(v, "velocity") if uses_adam else None)

    def _apply_weight_decay(self, variables, indices, learning_rate):
        """Keras's Muon decay: ``weight_decay`` on the Muon variables, ``adam_weight_decay`` on the others."""
        mask = self._weight_decay_mask()
        by_rate = {}
        for v, i in zip(variables, range(len(variables)) if indices is None else indices, strict=True):
            rate = self.adam_weight_decay if self._uses_adam[i] else self.weight_decay
            if mask[i] and rate:
                by_rate.setdefault(rate, []).append(v)
        for rate, decayed in by_rate.items():
            foreach_ops.mul_(decayed, 1.0 - rate * learning_rate)

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """One step: the AdamW variables with foreach ops, the Muon ones batched by shape."""
        adam, muon = ([], [], []), ([], [], [])
        for g, v, i in zip(grads, variables, range(len(variables)) if indices is None else indices,
                           strict=True):
            group = adam if self._uses_adam[i] else muon
            group[0].append(g)
            group[1].append(v)
            group[2].append(i)
        if adam[0]:
            self._adamw_update(adam[0], adam[1], adam[2], learning_rate * self.adam_lr_ratio)
        if muon[0]:
            self._muon_update(muon[0], muon[1], muon[2], learning_rate)

    def _adamw_update(self, grads, variables, indices, learning_rate):
        """Keras's Adam rule (as :class:`Adam` without amsgrad) on the AdamW variables."""
        b1, b2 = self.adam_beta_1, self.adam_beta_2
        f = self._host_float(variables)
        t = f(self._local_step())
        correction = float(f(math.sqrt(f(1.0) - f(b2) ** t)) / (f(1.0) - f(b1) ** t))
        m = [self._momentums[i] for i in indices]
        v = [self._velocities[i] for i in indices]
        torch._foreach_lerp_(m, grads, 1.0 - b1)
        torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1.0 - b2)
        denominators = torch._foreach_sqrt(v)
        torch._foreach_add_(denominators, self.epsilon)
        foreach_ops.sub_scaled_div_(variables, m, denominators, learning_rate * correction)

    def _muon_update(self, grads, variables, indices, learning_rate):
        """Momentum, Newton-Schulz orthogonalisation and the RMS-matched step on the 2-D variables."""
        m = [self._momentums[i] for i in indices]
        torch._foreach_mul_(m, self.momentum)
        torch._foreach_add_(m, grads)
        updates = torch._foreach_add(grads, m, alpha=self.momentum) if self.nesterov else m
        by_shape = {}
        for u, v in zip(updates, variables, strict=True):
            by_shape.setdefault(tuple(v.shape), ([], []))
            by_shape[tuple(v.shape)][0].append(u)
            by_shape[tuple(v.shape)][1].append(v)
        for shape, (us, vs) in by_shape.items():
            batch = us[0] if len(us) == 1 else torch.stack(us)
            orthogonal = self._newton_schulz(batch)
            orthogonal = [orthogonal] if len(us) == 1 else list(orthogonal.unbind(0))
            foreach_ops.add_scaled_(vs, orthogonal, -learning_rate * self._rms_scale(shape))

    def _rms_scale(self, shape) -> float:
        """Moonlight's ``sqrt(max(rows, cols)) * rms_rate`` (1 without ``rms_rate``)."""
        if self.rms_rate is None:
            return 1.0
        return math.sqrt(max(shape[0], shape[1])) * self.rms_rate

    def _newton_schulz(self, x: torch.Tensor) -> torch.Tensor:
        """Keras's ``zeropower_via_newtonschulz5`` on a matrix or a batch of matrices (last two axes).

        Works on the wide orientation (transposing tall matrices), after
        dividing by the Frobenius norm plus 1e-7; each step is
        ``x = a*x + (b*A + c*A@A) @ x`` with ``A = x @ x.T``.
        """
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.mT
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
        fused = torch.addmm if x.dim() == 2 else torch.baddbmm
        for _ in range(self.ns_steps):
            gram = x @ x.mT
            polynomial = fused(gram, gram, gram, beta=b, alpha=c)
            x = fused(x, polynomial, x, beta=a)
        return x.mT if tall else x

    def get_config(self):
        """Keras 3.15's Muon config: the shared keys plus Muon's, in Keras's order."""
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": list(self.exclude_layers),
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        })
        return config


def _check_patterns(exclude_layers) -> list:
    """``exclude_layers`` as a list of strings; a single string counts as a one-entry list."""
    if exclude_layers is None:
        return []
    if isinstance(exclude_layers, str):
        return [exclude_layers]
    patterns = list(exclude_layers)
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise TypeError(
                "Argument `exclude_layers` must be a list of strings (regular expressions matched "
                f"against variable paths), received an entry {pattern!r} in "
                f"exclude_layers={exclude_layers!r}.")
    return patterns
