"""Keras 1/2 custom optimizers written with ``get_updates(loss, params)``, trained by keraton's ``fit``.

Before tf.keras, a custom optimizer (AdaBound, RAdam, AdamW, LARS, Yogi,
keras-contrib's...) subclassed ``keras.optimizers.Optimizer`` and built the
step as a graph: ``__init__`` made ``self.lr``/``self.iterations`` with
``K.variable``; ``get_updates`` took the gradients with
``self.get_gradients(loss, params)``, created the slots with ``K.zeros`` and
returned ``K.update`` assignments (Keras 1: ``(variable, value)`` tuples, and
the argument order ``(params, constraints, loss)``).  Keras 3 dropped that
API.  A subclass of :class:`keraton.optimizers.Optimizer` that defines
``get_updates`` is such an optimizer: keraton gives it Keras 2's base class
(``__init__`` taking ``clipnorm``/``clipvalue``, ``get_gradients``,
``get_config``, ``weights``) and runs its ``get_updates`` eagerly on every step
with TensorFlow 1's meaning (see :mod:`keraton.backend_functions.update_scope`):
the slots are created once, every read sees the values from before the step,
the updates are assigned together after it.

As in Keras 2, the optimizer applies the weights' constraints itself
(``p.constraint(new_p)`` in ``get_updates``; Keras 1: the ``constraints``
dict), its ``weights`` list is its saved state, and a trainable weight without
a gradient is an error.  ``clipnorm`` clips by the global norm of all
gradients, as Keras 2.2 did (Keras 2.3 clipped each gradient alone).
"""

from __future__ import annotations

import functools
import inspect
import warnings

import torch

from keraton import backend
from keraton.backend_functions import update_scope
from keraton.optimizers.scalar_variable import ScalarVariable

_BASE_ARGUMENTS = ("clipnorm", "clipvalue", "name")


def uses_get_updates(cls) -> bool:
    """Whether ``cls`` (an ``Optimizer`` subclass) defines Keras 1/2's ``get_updates`` itself."""
    from keraton.optimizers.base_optimizer import Optimizer

    return cls.get_updates is not Optimizer.get_updates


def on_base_optimizer(cls) -> bool:
    """Whether ``cls`` builds on keraton's ``Optimizer`` itself, not on a built-in (``Adam``...).

    A subclass of a built-in that overrides ``get_updates`` keeps the
    built-in's update rule (its ``get_updates`` is not what ``fit`` runs):
    warned once, at class creation.
    """
    from keraton.optimizers.base_optimizer import Optimizer

    builtin = next((k for k in cls.__mro__[1:] if k is not Optimizer and issubclass(k, Optimizer)
                    and k.__module__.startswith("keraton.")), None)
    if builtin is None:
        return True
    warnings.warn(
        f"{cls.__name__} overrides get_updates but subclasses keraton's {builtin.__name__}, whose "
        f"update rule fit uses: its get_updates runs only when called by user code. Subclass "
        "keras.optimizers.Optimizer to write a whole Keras 2 get_updates optimizer.",
        UserWarning, stacklevel=4)
    return False


def deferred_step(optimizer, loss, params) -> list:
    """A built-in optimizer's step inside a Keras 2 ``get_updates`` step: the new weights wait for its end.

    The gradients come from ``optimizer.get_gradients(loss, params)`` (a
    wrapper may have replaced it, as gradient-accumulation wrappers did); the
    step runs, the weights get their old values back until the scope assigns
    the new ones with the step's other updates.  The optimizer's own state
    (moments, ``iterations``) moves at once.
    """
    scope = update_scope.current()
    params = list(params)
    if scope.dry_run:  # the run that only creates slots: build, do not step
        optimizer.build(params)
        return []
    grads = optimizer.get_gradients(loss, params)
    old = [p.detach().clone() for p in params]
    with torch.no_grad():
        optimizer.apply(grads, params)
        for p, before in zip(params, old, strict=True):
            scope.defer(p, p.detach().clone())
            p.copy_(before)
    return []


def updates_outside_step(optimizer, loss, params) -> list:
    """``get_updates`` called by user code: a :class:`TrainingUpdate` for ``K.function``, or a step now.

    On a symbolic loss (built from ``keraton.Input`` tensors, as Keras 2's
    graph-mode training loops did) the step waits for ``K.function(...,
    updates=...)``; on a torch tensor it is applied at once (keraton is eager).
    """
    from keraton.layers.keras_tensor import KerasTensor

    if isinstance(loss, KerasTensor):
        return [update_scope.TrainingUpdate(optimizer, loss, params)]
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"get_updates(loss, params) takes the loss as a tensor (symbolic or torch), "
                        f"got {type(loss).__name__}.")
    update_scope.apply_loss(optimizer, loss, params)
    return []


def _outside_step_aware(get_updates):
    """Wrap a user's ``get_updates``: run it inside keraton's step, defer it when user code calls it."""
    signature = inspect.signature(get_updates)

    @functools.wraps(get_updates)
    def wrapper(self, *args, **kwargs):
        if update_scope.current() is not None:
            return get_updates(self, *args, **kwargs)
        try:
            bound = signature.bind(self, *args, **kwargs).arguments
            loss, params = bound["loss"], bound["params"]
        except (TypeError, KeyError):  # an order only its own decorator understands
            return get_updates(self, *args, **kwargs)
        return updates_outside_step(self, loss, params)

    wrapper._keras2_user_get_updates = get_updates
    return wrapper


def init_base(optimizer, **kwargs) -> None:
    """Keras 2's ``Optimizer.__init__``: only ``clipnorm``/``clipvalue`` (and a ``name``)."""
    unknown = sorted(k for k in kwargs if k not in _BASE_ARGUMENTS)
    if unknown:
        raise TypeError(
            f"Unexpected keyword argument(s) passed to optimizer {type(optimizer).__name__}: "
            f"{unknown}. A Keras 2 optimizer (one defining get_updates) takes only clipnorm and "
            "clipvalue in its base class; handle the others in its __init__.")
    name = kwargs.pop("name", None)
    state = optimizer.__dict__
    state.update(kwargs)  # as Keras 2: clipnorm/clipvalue exist only when given
    state["updates"], state["weights"] = [], []
    # keraton's side: the trained parameters, the step count callbacks read, the replayed slots.
    # Attributes the subclass set before calling this (Keras 2's SGD set all of its own first,
    # an AdamW its `weight_decay` variable) stay.
    defaults = {
        "name": name or backend.unique_object_name(backend.to_snake_case(type(optimizer).__name__)),
        "built": False, "_trainable_variables": [], "_index": {}, "_keras2_slots": [],
        "_keras2_loss": None, "_iterations": ScalarVariable(0, dtype="int64", name="iteration"),
        "_variables": [], "_model_variables_moving_average": [], "_accumulated_gradients": [],
        "_overwrite_indices": [], "_constrained_indices": [], "use_ema": False,
        "loss_scale_factor": None, "gradient_accumulation_steps": None, "weight_decay": None,
    }
    for key, value in defaults.items():
        state.setdefault(key, value)


def base_config(optimizer) -> dict:
    """Keras 2's ``Optimizer.get_config``: ``clipnorm``/``clipvalue`` when they were given."""
    return {k: optimizer.__dict__[k] for k in ("clipnorm", "clipvalue") if k in optimizer.__dict__}


def get_gradients(optimizer, loss, params) -> list:
    """Keras 2.2's ``get_gradients``: the gradients, checked and clipped (``clipnorm`` on the global norm)."""
    from keraton.backend_functions.graph_ops import gradients

    grads = gradients(loss, params)
    missing = [getattr(p, "path", None) or getattr(p, "name", None) or tuple(p.shape)
               for p, g in zip(params, grads, strict=True) if g is None]
    if missing:
        raise ValueError(
            f"An operation has `None` for gradient: the loss does not depend on the trainable "
            f"weight(s) {missing}. Make sure every op between the weights and the loss has a "
            "gradient (K.argmax, K.round and K.eval have none), or freeze those weights "
            "(layer.trainable = False) and compile again.")
    if not optimizer._keras2_get_updates:
        return grads  # a built-in clips in its own step (Keras 3's clipnorm, clipvalue...)
    clipnorm = optimizer.__dict__.get("clipnorm")
    if clipnorm is not None and clipnorm > 0:
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        if norm >= clipnorm:
            grads = [g * (clipnorm / norm) for g in grads]
    clipvalue = optimizer.__dict__.get("clipvalue")
    if clipvalue is not None and clipvalue > 0:
        grads = [torch.clamp(g, -clipvalue, clipvalue) for g in grads]
    return grads


def adopt(cls) -> None:
    """Give ``cls`` the members of :class:`Keras2Optimizer` that it and its bases up to keraton's do not define."""
    from keraton.optimizers.base_optimizer import Optimizer

    own = set()
    for klass in cls.__mro__:
        if klass is Optimizer:
            break
        own.update(klass.__dict__)
    defined = cls.__dict__.get("get_updates")
    if defined is not None and not hasattr(defined, "_keras2_user_get_updates"):
        cls.get_updates = _outside_step_aware(defined)
    for name, member in vars(Keras2Optimizer).items():
        if not name.startswith("__") and name not in own:
            setattr(cls, name, member)
    # A class defining one of `lr`/`learning_rate` itself (a wrapper's `lr` reading its inner
    # optimizer's): the other name is an alias of it, for callbacks and Keras 2.3 code.
    for defined, alias in (("lr", "learning_rate"), ("learning_rate", "lr")):
        if defined in own and alias not in own:
            setattr(cls, alias, property(lambda self, n=defined: getattr(self, n),
                                         lambda self, value, n=defined: setattr(self, n, value)))


def _parameters(get_updates) -> set:
    return set(inspect.signature(getattr(get_updates, "_keras2_user_get_updates", get_updates)).parameters)


class Keras2Optimizer:
    """The members a ``get_updates`` optimizer gets in place of keraton's (copied by :func:`adopt`).

    Not a base class: user classes subclass ``keraton.optimizers.Optimizer``
    (``keras.optimizers.Optimizer``) as they subclassed Keras 2's.
    """

    @property
    def iterations(self):
        """The ``K.variable`` the optimizer's ``__init__`` made, else keraton's step count."""
        return self.__dict__.get("_keras2_iterations", self.__dict__.get("_iterations"))

    @iterations.setter
    def iterations(self, value):
        self.__dict__["_keras2_iterations"] = value

    def _keras2_get_lr(self):
        if "_keras2_lr" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no learning rate: set `self.lr` (or "
                                 "`self.learning_rate`) to a K.variable in its __init__.")
        return self.__dict__["_keras2_lr"]

    def _keras2_set_lr(self, value):
        current = self.__dict__.get("_keras2_lr")
        if isinstance(current, torch.Tensor) and not isinstance(value, torch.Tensor):
            with torch.no_grad():  # a callback setting a number: the variable get_updates reads
                current.copy_(torch.as_tensor(float(value), dtype=current.dtype))
        else:
            self.__dict__["_keras2_lr"] = value

    learning_rate = lr = property(_keras2_get_lr, _keras2_set_lr,
                                  doc="``self.lr`` (Keras 2.2) or ``self.learning_rate`` (Keras 2.3).")

    @property
    def variables(self):
        """The optimizer's ``weights`` list, which ``get_updates`` sets (Keras 2's saved state)."""
        return list(self.weights)

    def scale_loss(self, loss):
        """Keep the step's loss for ``get_updates`` (keraton's trainer calls this before backward)."""
        self._keras2_loss = loss.detach()
        return loss

    def _build_slots(self, variables):
        """Run ``get_updates`` once on zero gradients, discarding its updates: its slots exist after."""
        if self._keras2_slots:
            raise ValueError(
                f"{type(self).__name__} (a Keras 2 get_updates optimizer) was built for "
                f"{len(self._trainable_variables) - len(variables)} weights and cannot take new ones: "
                "compile the model again with a new optimizer.")
        self._run_get_updates([torch.zeros_like(v) for v in self._trainable_variables],
                              self._trainable_variables, apply=False)

    @torch.no_grad()
    def step(self, closure=None):
        """Apply ``p.grad`` of the built weights through ``get_updates`` (torch-style entry point)."""
        loss = self._begin_step(closure)
        variables = self._trainable_variables
        self._run_get_updates([p.grad for p in variables], variables)
        return loss

    @torch.no_grad()
    def apply(self, grads, trainable_variables=None):
        """Apply ``grads`` to the built weights (Keras 3 API; ``apply_gradients`` calls it)."""
        variables = self._trainable_variables if trainable_variables is None else list(trainable_variables)
        if not self.built:
            self.build(variables)
        if [id(v) for v in variables] != [id(v) for v in self._trainable_variables]:
            raise ValueError(
                f"{type(self).__name__} (a Keras 2 get_updates optimizer) updates all the weights "
                f"it was built with ({len(self._trainable_variables)}) together; received "
                f"{len(variables)} variables. Pass gradients for exactly those weights, in order.")
        self._run_get_updates(list(grads), variables)

    def _run_get_updates(self, grads, variables, apply=True) -> None:
        grads = self._synchronize_gradients(grads, variables)
        loss = self._keras2_loss if self._keras2_loss is not None else torch.zeros(())
        self._keras2_loss = None
        scope = update_scope.UpdateScope(
            loss, {id(v): None if g is None else torch.as_tensor(g).detach()
                   for v, g in zip(variables, grads, strict=True)}, self._keras2_slots,
            dry_run=not apply)
        with scope:
            if "constraints" in _parameters(type(self).get_updates):  # Keras 1 / 2.0
                constraints = {p: p.constraint for p in variables
                               if getattr(p, "constraint", None) is not None}
                returned = self.get_updates(params=list(variables), constraints=constraints, loss=loss)
            else:
                returned = self.get_updates(loss=loss, params=list(variables))
            scope.add_returned(returned)
            scope.flush()
        if apply:
            self._iterations._value += 1
