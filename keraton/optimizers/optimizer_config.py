"""Config, argument checks and saved state of keraton optimizers, in Keras 3's formats.

``get_config`` / ``from_config`` use Keras 3's keys (so configs move between
Keras and keraton), ``save_own_variables`` / ``load_own_variables`` write and
read the optimizer variables under ``"0"``, ``"1"``, ... in Keras's order, and
``state_dict`` / ``load_state_dict`` give the same state the torch way.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings

import numpy as np
import torch

from keraton import backend
from keraton.layers.weight_layout import assign_keras_value, keras_shape, keras_value
from keraton.optimizers import keras2_updates
from keraton.optimizers.scalar_variable import ScalarVariable
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

# Keys written by tf.keras 2.11+ that Keras 3 configs no longer have; ignored when loading.
_LEGACY_CONFIG_KEYS = ("jit_compile", "is_legacy_optimizer")
_BASE_ARGUMENTS = (
    "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
    "name", "lr", "decay",
)


def check_number(name: str, value, low=0.0, high=None, allow_none: bool = False):
    """Return ``value`` as a float after checking it is a finite number in ``[low, high]``.

    Raises a ``ValueError`` that says what was expected and what was given.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, ScalarVariable):
        value = value.item()
    elif isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)) or math.isnan(value):
        raise ValueError(f"Argument `{name}` must be a number, received: {name}={value!r}")
    value = float(value)
    if low is not None and value < low:
        raise ValueError(f"Argument `{name}` must be >= {low}, received: {name}={value!r}")
    if high is not None and value > high:
        raise ValueError(f"Argument `{name}` must be <= {high}, received: {name}={value!r}")
    return value


def check_epsilon(value) -> float:
    """``epsilon`` checked as :func:`check_number`; ``None`` means ``keraton.backend.epsilon()``.

    Keras 2.2's optimizers took ``epsilon=None`` (their signature default) as
    the fuzz factor ``K.epsilon()``; programs copying that signature still pass it.
    """
    if value is None:
        return backend.epsilon()
    return check_number("epsilon", value)


class OptimizerConfig:
    """Keras 3 config and saved-variable formats for optimizers (mixin of ``Optimizer``)."""

    # True on a Keras 1/2 optimizer subclass that defines ``get_updates`` (see keras2_updates).
    _keras2_get_updates = False

    def _accepted_arguments(self) -> set:
        names = set(_BASE_ARGUMENTS)
        for klass in type(self).__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                names.update(p for p in inspect.signature(init).parameters if p not in ("self", "args", "kwargs"))
        return names

    def get_config(self) -> dict:
        """The optimizer's hyperparameters with Keras 3's keys (subclasses add their own).

        A schedule is written with ``serialize_keras_object``; Keras 2's
        ``decay`` is written only when it is set.
        """
        if self._keras2_get_updates:
            return keras2_updates.base_config(self)
        lr = self._learning_rate
        config = {
            "name": self.name,
            "learning_rate": float(lr) if isinstance(lr, ScalarVariable) else serialize_keras_object(lr),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Create an optimizer from :meth:`get_config`'s output (or a Keras 3 / tf.keras config)."""
        if cls._keras2_get_updates:  # Keras 2's from_config
            return cls(**config)
        config = {k: v for k, v in config.items() if k not in _LEGACY_CONFIG_KEYS}
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _deserialize_schedule(config["learning_rate"], custom_objects)
        return cls(**config)

    # ----------------------------------------------------------------- saved state
    def save_own_variables(self, store) -> None:
        """Write :attr:`variables` as NumPy arrays under ``"0"``, ``"1"``... (Keras's layout)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = _to_numpy(variable)

    def load_own_variables(self, store) -> None:
        """Read variables written by :meth:`save_own_variables` (or by Keras 3).

        As in Keras, a different number of variables only warns and skips.
        """
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has {len(store.keys())} "
                "variables." + (" The optimizer has not been built yet." if not self.built else ""),
                stacklevel=2,
            )
            return
        self.set_weights([store[str(i)] for i in range(len(variables))])

    def set_weights(self, weights) -> None:
        """Assign a list of arrays to :attr:`variables`, checking shapes (Keras API).

        Arrays are in Keras's layout, as :meth:`get_weights` returns them: the
        slots of a conv kernel are ``(kh, kw, in, out)`` like the kernel.
        """
        self._assign_all(weights, keras_layout=True)

    @torch.no_grad()
    def _assign_all(self, weights, keras_layout: bool) -> None:
        if not self.built:
            raise ValueError("set_weights() needs a built optimizer: call optimizer.build(var_list) first.")
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(f"Expected {len(variables)} weights, received {len(weights)}.")
        for variable, weight in zip(variables, weights, strict=True):
            if isinstance(variable, ScalarVariable):
                expected = ()
            else:
                expected = keras_shape(variable) if keras_layout else tuple(variable.shape)
            if tuple(np.shape(weight)) != tuple(expected):
                raise ValueError(
                    f"Optimizer weight of shape {tuple(np.shape(weight))} does not match the "
                    f"variable of shape {tuple(expected)}."
                )
            if isinstance(variable, ScalarVariable):
                variable.assign(np.asarray(weight))
            elif keras_layout:
                assign_keras_value(variable, torch.as_tensor(np.asarray(weight)))
            else:
                variable.copy_(torch.as_tensor(np.asarray(weight)))
        self._after_variables_loaded()

    def get_weights(self) -> list:
        """:attr:`variables` as a list of NumPy arrays."""
        return [_to_numpy(v) for v in self.variables]

    def _after_variables_loaded(self) -> None:
        """Hook for optimizers that mirror a state tensor on the host (Nadam)."""

    def state_dict(self) -> dict:
        """torch-style state: ``{"config", "variables"}`` (tensors are the live state, not copies)."""
        return {"config": self.get_config(),
                "variables": [v.value if isinstance(v, ScalarVariable) else v.detach()
                              for v in self.variables]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state written by :meth:`state_dict` (the optimizer must be built)."""
        self._assign_all([t.detach().cpu().numpy() if t.dtype != torch.bfloat16 else t.float().numpy()
                          for t in state_dict["variables"]], keras_layout=False)


def _to_numpy(variable) -> np.ndarray:
    if isinstance(variable, ScalarVariable):
        return variable.numpy()
    variable = keras_value(variable)
    if variable.dtype == torch.bfloat16:
        variable = variable.float()
    return variable.cpu().numpy()


def _deserialize_schedule(config: dict, custom_objects=None):
    """Rebuild a learning-rate schedule from its Keras config (``keraton.optimizers.schedules``)."""
    try:
        from keraton.optimizers import schedules
    except ImportError:
        module_objects = {}
    else:
        module_objects = {k: v for k, v in vars(schedules).items() if inspect.isclass(v)}
    return deserialize_keras_object(config, module_objects=module_objects, custom_objects=custom_objects,
                                    kind="learning rate schedule")
