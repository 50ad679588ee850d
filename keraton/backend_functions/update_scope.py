"""One step of a Keras 1/2 ``get_updates`` optimizer run eagerly, with TensorFlow 1's graph semantics.

Keras 1 and 2 optimizers were written as graph builders: ``get_updates(loss,
params)`` ran once, created its slot variables (``K.zeros(shape)``) and
returned a list of assignments (``K.update(m, m_t)``, or Keras 1's ``(m,
m_t)`` tuples) that the training function then ran together on every step,
each new value computed from the values the variables held before the step.
keraton runs such an optimizer's ``get_updates`` again on every step inside an
:class:`UpdateScope`, which keeps that meaning:

* variables created by ``K.variable``/``K.zeros``/``K.ones``/``K.eye`` are
  created on the first run and the same objects are handed back, in creation
  order, on every later run (the slots keep their state);
* ``K.update``/``K.update_add``/``K.update_sub`` only record the new value;
  :meth:`UpdateScope.flush` assigns them all after ``get_updates`` returns, so
  every read during the step sees the values from before it (a
  ``K.control_dependencies`` block flushes first, as its reads would wait for
  the updates in TensorFlow);
* ``K.gradients(loss, params)`` on the step's loss gives the gradients already
  computed by the trainer's backward pass.

Keras 2 code that trains outside ``fit`` called ``optimizer.get_updates(loss,
params)`` once on a symbolic loss and gave the result to ``K.function(...,
updates=...)``; there ``get_updates`` returns a :class:`TrainingUpdate`, which
the function applies after computing its outputs on every call.
"""

from __future__ import annotations

import threading

import torch

_STATE = threading.local()


class UpdateScope:
    """The state of one ``get_updates`` run: its gradients, its replayed variables, its pending updates.

    Args:
        loss: the tensor passed to ``get_updates`` as the loss; ``K.gradients``
            of exactly this object answers from ``gradients``.
        gradients: ``{id(param): gradient}`` for the step's parameters.
        slots: the list of variables created by earlier runs (extended by this
            run when it creates more); the optimizer owns it.
        dry_run: discard the updates instead of assigning them (a run that
            only creates the slots).
    """

    def __init__(self, loss, gradients: dict, slots: list, dry_run: bool = False):
        self.loss = loss
        self.gradients = gradients
        self.slots = slots
        self.dry_run = dry_run
        self.pending = []
        self._cursor = 0

    def __enter__(self) -> UpdateScope:
        if getattr(_STATE, "scope", None) is not None:
            raise RuntimeError("A get_updates() step is already running in this thread: an "
                               "optimizer's get_updates cannot run another optimizer's step.")
        _STATE.scope = self
        return self

    def __exit__(self, *exc) -> None:
        _STATE.scope = None

    def replay(self, created):
        """The variable of this creation call: the one made by the first run, or ``created``."""
        cursor = self._cursor
        self._cursor += 1
        if cursor == len(self.slots):
            self.slots.append(created)
            return created
        existing = self.slots[cursor]
        if existing.shape != created.shape or existing.dtype != created.dtype:
            raise ValueError(
                f"get_updates() created its variable #{cursor} with shape {tuple(created.shape)} "
                f"and dtype {created.dtype}, but the first run created it with shape "
                f"{tuple(existing.shape)} and dtype {existing.dtype}. keraton runs get_updates on "
                "every step and hands back the variables of the first run in creation order, so "
                "they must be created in the same order, with the same shapes, every time.")
        return existing

    def gradients_of(self, variables) -> list:
        """The step's gradients of ``variables`` (None for a variable without one)."""
        return [self.gradients.get(id(v)) for v in variables]

    def defer(self, variable, value, sign: int = 0) -> None:
        """Record ``variable = value`` (``sign`` 0) or ``variable += sign * value`` for :meth:`flush`.

        ``value`` is computed from the values before the step; an increment
        applies to the variable's value when it runs, as TensorFlow's
        ``assign_add`` did (after another update of the same variable, say).
        """
        self.pending.append((variable, value, sign))

    def add_returned(self, updates) -> None:
        """Add Keras 1's ``(variable, new_value)`` tuples from the list ``get_updates`` returned."""
        for update in updates or ():
            if isinstance(update, tuple):
                if len(update) != 2:
                    raise ValueError(f"get_updates() returned the update {update!r}: expected a "
                                     "(variable, new_value) pair or the result of K.update().")
                self.defer(*update)

    @torch.no_grad()
    def flush(self) -> None:
        """Assign every pending update, in the order they were made (discard them in a dry run)."""
        if self.dry_run:
            self.pending.clear()
            return
        for variable, value, sign in self.pending:
            value = torch.broadcast_to(torch.as_tensor(value).detach().to(variable.dtype),
                                       variable.shape)
            if sign:
                variable.add_(value, alpha=sign)
            else:
                variable.copy_(value)
        self.pending.clear()


class TrainingUpdate:
    """``optimizer.get_updates(loss, params)`` on a symbolic loss: one optimizer step per ``K.function`` call.

    ``K.function(inputs, outputs, updates=[...])`` computes ``loss`` with its
    outputs (same inputs, same forward pass) and then calls :meth:`apply`.
    """

    def __init__(self, optimizer, loss, params):
        self.optimizer = optimizer
        self.loss = loss
        self.params = list(params)

    def __repr__(self) -> str:
        return f"<TrainingUpdate of {type(self.optimizer).__name__} on {len(self.params)} variables>"

    def apply(self, loss) -> None:
        """Step the optimizer with the gradients of ``loss`` (this call's value of the symbolic loss)."""
        apply_loss(self.optimizer, loss, self.params)


def apply_loss(optimizer, loss, params) -> None:
    """One step of ``optimizer`` on ``params`` with the gradients of the tensor ``loss`` (summed if not scalar)."""
    if not loss.requires_grad:
        raise ValueError(
            "optimizer.get_updates(loss, params) needs a loss computed from the params with "
            "gradients enabled (it was computed under torch.no_grad(), or does not depend on them).")
    total = loss.sum() if loss.dim() else loss
    params = list(params)
    targets = [p for p in params if p.requires_grad]
    found = iter(torch.autograd.grad(total, targets, allow_unused=True, retain_graph=True))
    grads = [next(found) if p.requires_grad else None for p in params]
    if getattr(optimizer, "_keras2_get_updates", False):
        optimizer._keras2_loss = total.detach()  # the value its get_updates receives as `loss`
    optimizer.apply(grads, params)


def current() -> UpdateScope | None:
    """The running ``get_updates`` step of this thread, or None."""
    return getattr(_STATE, "scope", None)


def created(variable):
    """Hook of the variable-creating ``K`` functions: ``variable`` itself outside a step."""
    scope = getattr(_STATE, "scope", None)
    return variable if scope is None else scope.replay(variable)
