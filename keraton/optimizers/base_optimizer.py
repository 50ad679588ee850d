"""``Optimizer``: the base class of keraton's optimizers, with Keras 3's semantics.

One ``apply`` (or ``step``) does what ``keras.optimizers.Optimizer.apply`` does,
in Keras's order: unscale by ``loss_scale_factor``, optionally accumulate
(``gradient_accumulation_steps``), clip (``clipnorm`` / ``global_clipnorm`` /
``clipvalue``), apply decoupled weight decay ``w -= w * weight_decay * lr``,
run the optimizer's update rule, update the EMA of the weights (``use_ema``),
apply each parameter's ``constraint`` and add 1 to ``iterations``.  All of it
runs on every parameter at once with ``torch._foreach_*`` ops; nothing is read
back to the host, so a step never synchronises with the accelerator.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from keraton.backend_functions import update_scope
from keraton.optimizers import foreach_ops, keras2_updates
from keraton.optimizers.optimizer_state import OptimizerState, variable_constraint


class Optimizer(OptimizerState):
    """Base class of the Keras optimizers, working on ``torch.nn.Parameter`` lists.

    Subclasses implement ``_build_slots(variables)`` (create their state with
    :meth:`add_optimizer_variables`) and ``_parallel_update_step(grads,
    variables, learning_rate, indices)`` (one update of all ``variables`` with
    ``torch._foreach_*`` ops; ``self._take(slots, indices)`` picks their
    state).  A Keras-style subclass may instead override ``build`` and
    ``update_step(gradient, variable, learning_rate)``, which is then called
    once per variable.

    Both the Keras API (``apply_gradients``, ``apply``) and the torch API
    (``step``, ``zero_grad``) are available.  Keras 2's ``lr`` and ``decay``
    (inverse-time decay ``lr / (1 + decay * iterations)``) arguments are
    honoured.

    Example:

    >>> w = torch.nn.Parameter(torch.ones(3))
    >>> opt = keraton.optimizers.SGD(learning_rate=0.1)
    >>> opt.build([w])
    >>> w.grad = torch.ones(3)
    >>> opt.step()
    >>> w.detach().tolist(), int(opt.iterations)
    ([0.8999999761581421, 0.8999999761581421, 0.8999999761581421], 1)
    """

    def __init_subclass__(cls, **kwargs):
        """A subclass defining Keras 2's ``get_updates`` gets Keras 2's optimizer protocol."""
        super().__init_subclass__(**kwargs)
        if keras2_updates.uses_get_updates(cls) and keras2_updates.on_base_optimizer(cls):
            cls._keras2_get_updates = True
            keras2_updates.adopt(cls)

    def __init__(self, *args, **kwargs):
        """Check and store the shared arguments (Keras 3); Keras 2's for a ``get_updates`` subclass."""
        if self._keras2_get_updates:
            keras2_updates.init_base(self, *args, **kwargs)
        else:
            super().__init__(*args, **kwargs)

    def get_gradients(self, loss, params):
        """Keras 2's helper for ``get_updates``: the gradients of ``loss``, checked and clipped."""
        return keras2_updates.get_gradients(self, loss, params)

    def get_updates(self, loss, params):
        """Keras 2's training-loop hook: an update for ``K.function(..., updates=...)`` on a symbolic loss.

        Keras 2 code training outside ``fit`` wrote ``updates =
        optimizer.get_updates(loss=loss, params=model.trainable_weights)`` and
        ``K.function([inputs...], [outputs...], updates=updates)``: each call of
        that function then also steps this optimizer on the loss.  With a
        torch tensor as ``loss`` the step is applied at once.  Inside another
        optimizer's ``get_updates`` step (a Keras 2 wrapper such as Lookahead
        holding this one) the new weights wait for that step's end, as its
        other updates do.
        """
        if update_scope.current() is not None:
            return keras2_updates.deferred_step(self, loss, params)
        return keras2_updates.updates_outside_step(self, loss, params)

    # Set while a distributed fit runs (keraton.trainers.distributed_gradients.GradientSync):
    # every optimizer averages its gradients over the processes before using them.
    _gradient_sync = None
    # True on an optimizer wrapped by one that averages the gradients itself (LossScaleOptimizer).
    _gradients_synchronized_by_wrapper = False

    def _synchronize_gradients(self, grads, variables, write_back=False):
        """``grads`` averaged over processes in a distributed fit, else unchanged."""
        sync = Optimizer._gradient_sync
        if sync is None or self._gradients_synchronized_by_wrapper:
            return grads
        return sync(grads, variables, write_back)

    @torch.no_grad()
    def step(self, closure=None):
        """Apply ``p.grad`` of the built variables (skipping ``None`` grads and frozen ones).

        The torch-style entry point used by keraton's trainer.  ``closure``, if
        given, is called with gradients enabled and its result returned, as in
        ``torch.optim``.  ``iterations`` grows by one even if no gradient exists.
        """
        loss = self._begin_step(closure)
        variables = self._trainable_variables
        if Optimizer._gradient_sync is not None:
            self._synchronize_gradients([p.grad if p.requires_grad else None for p in variables],
                                        variables, write_back=True)
        grads = [p.grad if p.requires_grad else None for p in variables]
        if all(g is not None for g in grads):
            self._apply_filtered(grads, variables, None)
            self._iterations._value += 1
            return loss
        selected = [i for i, g in enumerate(grads) if g is not None]
        if selected:
            self._apply_filtered([grads[i] for i in selected],
                                 [variables[i] for i in selected], selected)
        self._iterations._value += 1
        return loss

    def _begin_step(self, closure, check_built: bool = True):
        """``step``'s prologue: call ``closure`` with gradients enabled (torch.optim's), check the build."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if check_built and not self.built:
            raise ValueError(
                f"{type(self).__name__}.step() needs the variables to update: call "
                "optimizer.build(var_list) first (var_list: the model's trainable parameters)."
            )
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of the built variables (to ``None`` by default), as ``torch.optim``."""
        grads = []
        for p in self._trainable_variables:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                grads.append(p.grad)
        if grads:
            torch._foreach_zero_(grads)

    def apply_gradients(self, grads_and_vars):
        """Apply a list of ``(gradient, variable)`` pairs (Keras API); builds on first use.

        Returns ``iterations``, as Keras does.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs, strict=True)
        self.apply(list(grads), list(variables))
        return self.iterations

    @torch.no_grad()
    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` with ``grads`` (Keras 3 API).

        Without ``trainable_variables`` the optimizer must be built and
        ``grads`` must match the built variables one to one.  ``None``
        gradients are skipped with a warning, as in Keras; if all are
        ``None`` a ``ValueError`` is raised.  Gradients may be tensors or
        arrays; they are moved to each variable's device and dtype.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `trainable_variables`, the optimizer must "
                    "already be built: call optimizer.build(trainable_variables) first."
                )
            variables = self._trainable_variables
            if len(grads) != len(variables):
                raise ValueError(
                    f"Expected one gradient per built variable ({len(variables)}), "
                    f"received {len(grads)} gradients."
                )
        else:
            variables = list(trainable_variables)
            if len(grads) != len(variables):
                raise ValueError(
                    f"Expected as many gradients as variables, received {len(grads)} "
                    f"gradients for {len(variables)} variables."
                )
            if not self.built:
                self.build(variables)
        grads = self._synchronize_gradients(grads, variables)
        keep = [k for k, g in enumerate(grads) if g is not None]
        if not keep:
            raise ValueError("No gradients provided for any variable.")
        if len(keep) < len(grads):
            missing = [self._variable_label(variables[k]) for k in range(len(grads)) if grads[k] is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.")
        variables = [variables[k] for k in keep]
        indices = [self._get_variable_index(v) for v in variables]
        grads = [_as_gradient(grads[k], v) for k, v in zip(keep, variables, strict=True)]
        if indices == list(range(len(self._trainable_variables))):
            indices = None
        self._apply_filtered(grads, variables, indices)
        self._iterations._value += 1

    def _apply_filtered(self, grads, variables, indices):
        """Run one update on the variables that have gradients (``indices`` None: all of them)."""
        if self.loss_scale_factor is not None:
            grads = torch._foreach_div(grads, float(self.loss_scale_factor))
        if self._overwrite_indices:
            grads, variables, indices = self._overwrite_with_gradients(grads, variables, indices)
            if not grads:
                return
        steps = self.gradient_accumulation_steps
        if steps:
            accumulators = self._take(self._accumulated_gradients, indices)
            if (self._iterations._value + 1) % steps == 0:
                grads = torch._foreach_add(grads, accumulators)
                torch._foreach_div_(grads, float(steps))
                self._update(grads, variables, indices)
                torch._foreach_zero_(accumulators)
            else:
                torch._foreach_add_(accumulators, grads)
        else:
            self._update(grads, variables, indices)
        if self.use_ema:
            self._update_moving_averages()
        if self._constrained_indices:
            updated = None if indices is None else set(indices)
            for i in self._constrained_indices:
                if updated is None or i in updated:
                    p = self._trainable_variables[i]
                    p.copy_(variable_constraint(p)(p))

    def _update(self, grads, variables, indices):
        """Clip, decay the weights, then run the update rule: Keras's order."""
        grads = self._clip_gradients(grads)
        learning_rate = self._current_learning_rate()
        self._apply_weight_decay(variables, indices, learning_rate)
        self._parallel_update_step(grads, variables, learning_rate, indices)

    def _clip_gradients(self, grads):
        if self.clipnorm:
            return foreach_ops.clip_by_norm(grads, self.clipnorm)
        if self.global_clipnorm:
            return foreach_ops.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return foreach_ops.clip_by_value(grads, self.clipvalue)
        return grads

    def _apply_weight_decay(self, variables, indices, learning_rate):
        """Keras 3's decoupled weight decay, ``w *= 1 - weight_decay * lr`` (torch backend form)."""
        if not self.weight_decay:
            return
        mask = self._weight_decay_mask()
        if indices is None:
            decayed = variables if all(mask) else [v for v, m in zip(variables, mask, strict=True) if m]
        else:
            decayed = [v for v, i in zip(variables, indices, strict=True) if mask[i]]
        if decayed:
            foreach_ops.mul_(decayed, 1.0 - self.weight_decay * learning_rate)

    @staticmethod
    def _host_float(variables):
        """NumPy scalar type for an update's scalar coefficients, as Keras computes them.

        Keras casts bias corrections etc. to the variables' dtype: float64 for
        float64 variables, else float32 (also for half types, where Keras's
        float16 arithmetic would lose too much).
        """
        return np.float64 if variables[0].dtype == torch.float64 else np.float32

    def _parallel_update_step(self, grads, variables, learning_rate, indices):
        """Default update: call the Keras-style ``update_step`` once per variable."""
        for grad, variable in zip(grads, variables, strict=True):
            self.update_step(grad, variable, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Update one variable (Keras API for custom optimizers); built-ins use foreach instead."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement update_step(gradient, variable, learning_rate) "
            "or _parallel_update_step(grads, variables, learning_rate, indices)."
        )

    def assign(self, variable, value):
        """Set ``variable`` to ``value`` in place (Keras's helper for custom ``update_step``)."""
        with torch.no_grad():
            variable.copy_(torch.as_tensor(value, dtype=variable.dtype, device=variable.device))

    def assign_add(self, variable, value):
        """Add ``value`` to ``variable`` in place (Keras's helper for custom ``update_step``)."""
        with torch.no_grad():
            variable.add_(torch.as_tensor(value, dtype=variable.dtype, device=variable.device))

    def assign_sub(self, variable, value):
        """Subtract ``value`` from ``variable`` in place (Keras's helper for ``update_step``)."""
        with torch.no_grad():
            variable.sub_(torch.as_tensor(value, dtype=variable.dtype, device=variable.device))

    def _overwrite_with_gradients(self, grads, variables, indices):
        """Variables flagged ``overwrite_with_gradient`` take their gradient as value (Keras)."""
        flagged = set(self._overwrite_indices)
        idx = range(len(variables)) if indices is None else indices
        keep_g, keep_v, keep_i = [], [], []
        for g, v, i in zip(grads, variables, idx, strict=True):
            if i in flagged:
                v.copy_(g)
            else:
                keep_g.append(g)
                keep_v.append(v)
                keep_i.append(i)
        return keep_g, keep_v, keep_i

    def _update_moving_averages(self):
        """EMA of the weights, Keras's rule: the first step copies, then ``m*avg + (1-m)*w``."""
        momentum = self.ema_momentum if int(self.iterations) != 0 else 0.0
        averages = self._model_variables_moving_average
        torch._foreach_mul_(averages, momentum)
        torch._foreach_add_(averages, self._trainable_variables, alpha=1.0 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (int(self.iterations) + 1) % frequency == 0:
            torch._foreach_copy_(self._trainable_variables, averages)

    @torch.no_grad()
    def finalize_variable_values(self, var_list):
        """With ``use_ema``, overwrite ``var_list`` with their moving averages (end of ``fit``)."""
        if self.use_ema and self._model_variables_moving_average:  # built: it has stepped
            var_list = list(var_list)
            if len(var_list) != len(self._model_variables_moving_average):
                raise ValueError(
                    f"Expected {len(self._model_variables_moving_average)} variables (the ones "
                    f"the optimizer was built with), received {len(var_list)}."
                )
            torch._foreach_copy_(var_list, self._model_variables_moving_average)

    def scale_loss(self, loss):
        """Multiply ``loss`` by ``loss_scale_factor`` when one is set (Keras API)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor


def _as_gradient(grad, variable) -> torch.Tensor:
    """``grad`` as a dense tensor on ``variable``'s device and dtype, checked for shape."""
    if not isinstance(grad, torch.Tensor):
        grad = torch.as_tensor(getattr(grad, "value", grad))
    if grad.is_sparse:
        grad = grad.to_dense()
    if grad.device != variable.device or grad.dtype != variable.dtype:
        grad = grad.to(device=variable.device, dtype=variable.dtype)
    if grad.shape != variable.shape:
        raise ValueError(
            f"Gradient of shape {tuple(grad.shape)} does not match its variable of shape "
            f"{tuple(variable.shape)}."
        )
    return grad.detach()
