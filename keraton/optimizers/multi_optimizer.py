"""``MultiOptimizer`` and ``OptimizerMap``: different optimizers for different variables, as Keras 3.15."""

from __future__ import annotations

import re
from collections.abc import MutableMapping

import torch

from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.optimizer_state import variable_path
from keraton.optimizers.scalar_variable import ScalarVariable
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _is_loss_scale_optimizer(optimizer) -> bool:
    from keraton.mixed_precision.loss_scale_optimizer import LossScaleOptimizer  # lazy: imports us

    return isinstance(optimizer, LossScaleOptimizer)


def _module_objects() -> dict:
    """Class names of the built-in optimizers and of this module's classes, for ``from_config``."""
    from keraton import optimizers  # lazy: keraton.optimizers imports this module

    objects = {cls.__name__: cls for cls in optimizers.ALL_OBJECTS}
    objects.update({name: cls for name, cls in optimizers.ALL_OBJECTS_DICT.items()})
    from keraton.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
    from keraton.optimizers.schedule_free_adamw import ScheduleFreeAdamW

    for cls in (LossScaleOptimizer, ScheduleFreeAdamW, OptimizerMap, MultiOptimizer):
        objects[cls.__name__] = cls
    return objects


class OptimizerMap(MutableMapping):
    """Maps variable paths (exact, or regular expressions) to optimizers, as ``keras.optimizers.OptimizerMap``.

    ``optimizer_map[path]`` returns the optimizer stored under ``path`` if
    that key exists; otherwise the one whose key, read as a regular
    expression, matches the whole path (``re.fullmatch``: use
    ``"encoder/.*"`` for everything under ``encoder``); otherwise
    ``default_optimizer``.  A path matched by two patterns raises a
    ``ValueError``.  Calling the map on a variable looks up its Keras path
    (``"dense_1/kernel"``; ``""`` for an unnamed parameter), which is how
    :class:`MultiOptimizer` uses it.

    Args:
        default_optimizer: the optimizer of every variable no key matches.
        optimizer_map: optional dict ``{path or pattern: optimizer}``.

    Example:

    >>> opt_map = OptimizerMap(default_optimizer=keraton.optimizers.SGD(0.1))
    >>> opt_map["encoder/.*"] = keraton.optimizers.Adam(1e-3)
    >>> model.compile(optimizer=MultiOptimizer(opt_map), loss="mse")
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                "default_optimizer must be a keraton Optimizer instance (such as "
                f"keraton.optimizers.SGD()). Received: {default_optimizer!r}"
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                "optimizer_map must be a dict {variable path or regex: optimizer}. "
                f"Received: {optimizer_map!r}"
            )
        self._default_optimizer = default_optimizer
        self._optimizer_map = dict(optimizer_map or {})

    @property
    def default_optimizer(self):
        """The optimizer of the variables that no key matches."""
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Multiple optimizers assigned to variable {key}: it matches the patterns "
                f"{matches}. Make the OptimizerMap keys match each variable path at most once."
            )
        if matches:
            return self._optimizer_map[matches[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"key must be a string (a variable path or a regex). Received: {key!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a keraton Optimizer instance. Received: {optimizer!r}")
        if _is_loss_scale_optimizer(optimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer. Wrap the MultiOptimizer "
                             "in a LossScaleOptimizer instead.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        """The optimizer of ``variable``, looked up by its Keras path."""
        return self[variable_path(variable) or ""]

    def get_config(self) -> dict:
        """Keras's config: the serialized default optimizer and ``{key: serialized optimizer}``."""
        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": serialize_keras_object(self._optimizer_map)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the map (and its optimizers) from :meth:`get_config`'s output or Keras's."""
        objects = _module_objects()
        default = deserialize_keras_object(config["default_optimizer"], objects, custom_objects,
                                           kind="optimizer")
        mapping = {key: deserialize_keras_object(value, objects, custom_objects, kind="optimizer")
                   for key, value in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Delegates each variable to its own optimizer, as ``keras.optimizers.MultiOptimizer`` (Keras 3.15).

    ``optimizer_map`` is an :class:`OptimizerMap` or any callable
    ``optimizer_map(variable) -> Optimizer``.  When built, each variable is
    routed to the optimizer the map gives it, and each of those optimizers
    is built with its own variables; every step then applies each one to its
    variables (``step()`` reads ``p.grad``, ``apply`` takes a gradient per
    built variable).  ``optimizers`` lists them: first the map's values, then
    its default, then those a callable returned, in that order.

    As in Keras:

    * ``loss_scale_factor`` (also when set later) overrides the
      sub-optimizers' own; ``scale_loss`` multiplies by it and each
      sub-optimizer divides its gradients by it.
    * ``iterations`` counts the MultiOptimizer's steps; each sub-optimizer
      counts its own (one with no variable never steps).
    * ``learning_rate`` cannot be read or set (the sub-optimizers have
      theirs): it raises ``AttributeError``.
    * ``variables`` are the MultiOptimizer's ``iteration`` and (unused)
      ``learning_rate`` followed by every sub-optimizer's variables, so
      ``get_weights``/``set_weights`` and the ``.keras`` optimizer state
      hold them all, in Keras's order.
    * A ``LossScaleOptimizer`` or a ``MultiOptimizer`` cannot be a
      sub-optimizer (wrap the MultiOptimizer in a LossScaleOptimizer instead).

    Args:
        optimizer_map: an :class:`OptimizerMap` or a callable ``variable -> Optimizer``.
        loss_scale_factor: overrides the sub-optimizers' ``loss_scale_factor``.
        name: the optimizer's name.

    Example:

    >>> opt = MultiOptimizer(OptimizerMap(keraton.optimizers.SGD(0.1),
    ...                                   {"encoder/.*": keraton.optimizers.Adam(1e-3)}))
    >>> model.compile(optimizer=opt, loss="mse")
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        """Create the optimizer; see the class docstring for the arguments."""
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            candidates.append(default)
        for opt in candidates:
            self._add_inner(opt)
        # Built variable index -> index of its optimizer in `optimizers`.
        self._optimizer_of = []

    def _add_inner(self, opt) -> int:
        for k, known in enumerate(self._inner_optimizers):
            if known is opt:
                return k
        opt.loss_scale_factor = self.loss_scale_factor
        self._inner_optimizers.append(opt)
        return len(self._inner_optimizers) - 1

    @property
    def optimizers(self) -> list:
        """The sub-optimizers, in Keras's order."""
        return self._inner_optimizers

    # ---------------------------------------------------------------- building
    def _build_slots(self, variables):
        """Route the new ``variables`` to their optimizers and build each with its share."""
        if not callable(self._optimizer_map):
            raise TypeError(
                "optimizer_map must be an OptimizerMap or a callable taking a variable and "
                f"returning its optimizer. Received: {self._optimizer_map!r}"
            )
        shares = {}
        for v in variables:
            opt = self._optimizer_map(v)
            where = variable_path(v) or f"of shape {tuple(v.shape)}"
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {where} is not an Optimizer instance: "
                                 f"the optimizer_map returned {opt!r}.")
            if _is_loss_scale_optimizer(opt):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer. "
                                 "Wrap the MultiOptimizer in a LossScaleOptimizer instead.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            k = self._add_inner(opt)
            self._optimizer_of.append(k)
            shares.setdefault(k, []).append(v)
        for k, share in sorted(shares.items()):
            self._inner_optimizers[k].build(share)

    def _built_inner(self):
        """The sub-optimizers that hold variables (the others never step)."""
        return [opt for opt in self._inner_optimizers if opt.built]

    def _split(self, grads, variables):
        """``{optimizer index: (grads, variables)}`` for ``variables`` known to this optimizer."""
        groups = {}
        for g, v in zip(grads, variables, strict=True):
            k = self._optimizer_of[self._get_variable_index(v)]
            gs, vs = groups.setdefault(k, ([], []))
            gs.append(g)
            vs.append(v)
        return groups

    # ---------------------------------------------------------------- updates
    @torch.no_grad()
    def step(self, closure=None):
        """Step every sub-optimizer on the ``p.grad`` of its variables (``torch.optim`` API)."""
        loss = self._begin_step(closure)
        for opt in self._built_inner():
            opt.step()
        self._iterations._value += 1
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every sub-optimizer's variables."""
        for opt in self._built_inner():
            opt.zero_grad(set_to_none=set_to_none)

    def apply(self, grads, trainable_variables=None):
        """Apply one gradient per built variable, each through its optimizer (Keras API)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` first."
                )
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(self._trainable_variables) or len(variables) != len(grads):
            raise ValueError(
                "Gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(self._trainable_variables)} variables."
            )
        for k, (sub_grads, sub_vars) in sorted(self._split(grads, variables).items()):
            self._inner_optimizers[k].apply(sub_grads, sub_vars)
        self._iterations._value += 1

    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, variable)`` pairs, each through its optimizer; returns ``iterations``."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs, strict=True)
            self.apply(list(grads), list(variables))
        return self.iterations

    def finalize_variable_values(self, var_list):
        """Let each sub-optimizer finalize its variables (``use_ema``: copy the averages)."""
        known = [v for v in var_list if id(v) in self._index]
        for k, (_, sub_vars) in sorted(self._split([None] * len(known), known).items()):
            self._inner_optimizers[k].finalize_variable_values(sub_vars)

    # ---------------------------------------------------------------- properties
    @property
    def learning_rate(self):
        """Not available: read the learning rate of each of ``optimizers`` (Keras raises too)."""
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. "
            "Access the learning rate on the individual sub-optimizers instead."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. "
            "Set the learning rate on the individual sub-optimizers instead."
        )

    lr = learning_rate

    @property
    def loss_scale_factor(self):
        """The loss scale factor, shared with every sub-optimizer."""
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def iterations(self):
        """Number of MultiOptimizer steps."""
        return self._iterations

    @property
    def variables(self):
        """Own ``iteration`` and ``learning_rate``, then each sub-optimizer's variables (Keras's order)."""
        out = [self._iterations, self._learning_rate]
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    @torch.no_grad()
    def _assign_all(self, weights, keras_layout: bool) -> None:
        if not self.built:
            raise ValueError("set_weights() needs a built optimizer: call optimizer.build(var_list) first.")
        weights = list(weights)
        expected = len(self.variables)
        if len(weights) != expected:
            raise ValueError(f"Expected {expected} weights, received {len(weights)}.")
        self._iterations.assign(weights[0])
        self._learning_rate.assign(weights[1])
        start = 2
        for opt in self._inner_optimizers:
            count = len(opt.variables)
            chunk = weights[start:start + count]
            if opt.built:
                opt._assign_all(chunk, keras_layout)
            else:  # only its iteration and learning rate exist
                for variable, value in zip(opt.variables, chunk, strict=True):
                    if isinstance(variable, ScalarVariable):
                        variable.assign(value)
            start += count

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """Keras's config: the serialized ``optimizer_map``, ``loss_scale_factor`` and ``name``."""
        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the optimizer, its map and sub-optimizers from :meth:`get_config`'s output."""
        config = dict(config)
        config["optimizer_map"] = deserialize_keras_object(
            config["optimizer_map"], _module_objects(), custom_objects, kind="optimizer map")
        return cls(**config)
