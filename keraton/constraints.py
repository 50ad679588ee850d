"""Weight constraints of ``keras.constraints``: projections applied to a weight after each update.

A constraint is called as ``constraint(w)`` and returns a new tensor (the
projected weight); it never modifies ``w`` in place.  Norms are taken along
``axis`` (Dense kernel ``(in, out)``: ``axis=0`` constrains each unit's incoming
weights; Conv2D kernel: ``axis=[0, 1, 2]``), with Keras's ``epsilon`` added to
the norm in the denominator exactly where Keras adds it.
"""

from __future__ import annotations

import inspect

import torch

from keraton import backend
from keraton.saving.object_registration import get_registered_object
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.lookup import lookup_by_name

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "RadialConstraint",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "maxnorm",
    "min_max_norm",
    "non_neg",
    "nonneg",
    "radial_constraint",
    "serialize",
    "unit_norm",
    "unitnorm",
]


def _tensor(w) -> torch.Tensor:
    w = w if isinstance(w, torch.Tensor) else torch.as_tensor(w)
    if not w.is_floating_point():
        w = w.to(backend.torch_dtype(None))
    return w


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    """``sqrt(sum(w**2, axis, keepdims=True))`` with ``axis`` an int, list/tuple or None."""
    if axis is None:
        dims = tuple(range(w.ndim))
    elif isinstance(axis, int):
        dims = (axis,)
    else:
        dims = tuple(axis)
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


class Constraint:
    """Base class of weight constraints, as ``keras.constraints.Constraint``.

    ``__call__(w)`` returns the projected weight (the base class returns ``w``
    unchanged); ``get_config``/``from_config`` serialize the arguments.
    """

    def __call__(self, w):
        """Return the projected weight; the identity for the base class."""
        return w

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Build the constraint from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Cap the norm along ``axis`` at ``max_value``, as ``keras.constraints.MaxNorm``.

    ``w * clip(norms, 0, max_value) / (epsilon + norms)`` (so even weights under
    the cap are scaled by ``norms / (epsilon + norms)``, exactly as Keras).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        """Return ``w`` rescaled so that its norms along ``axis`` are at most ``max_value``."""
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict:
        """Return ``{"max_value": max_value, "axis": axis}``."""
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clip negative weights to 0 (``maximum(w, 0)``), as ``keras.constraints.NonNeg``."""

    def __call__(self, w):
        """Return ``maximum(w, 0)``."""
        w = _tensor(w)
        return torch.clamp(w, min=0)


class UnitNorm(Constraint):
    """Scale to unit norm along ``axis``: ``w / (epsilon + norms)``, as Keras's UnitNorm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        """Return ``w / (epsilon + norms)``."""
        w = _tensor(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        """Return ``{"axis": axis}``."""
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep norms along ``axis`` in ``[min_value, max_value]``, as ``keras.constraints.MinMaxNorm``.

    ``desired = rate * clip(norms, min_value, max_value) + (1 - rate) * norms``,
    result ``w * desired / (epsilon + norms)``; ``rate < 1`` moves norms
    gradually towards the interval.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        """Return ``w`` rescaled towards norms in ``[min_value, max_value]``."""
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * torch.clamp(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict:
        """Return ``{"min_value", "max_value", "rate", "axis"}``."""
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


# Lowercase aliases, as in Keras (``keras.constraints.max_norm is MaxNorm``).
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
# Keras 2.x's legacy aliases (Keras 1's names).
maxnorm, nonneg, unitnorm = max_norm, non_neg, unit_norm

from keraton.radial_constraint import RadialConstraint, radial_constraint  # noqa: E402

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, RadialConstraint, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({backend.to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({"maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm})


def serialize(constraint) -> dict:
    """Return Keras 3's config dict of ``constraint``."""
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Build a constraint from a Keras 3 config dict or name.

    Unknown names raise a ``ValueError`` naming the closest known constraint.
    """
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, ALL_OBJECTS_DICT)
        return obj if obj is not None else lookup_by_name("constraint", config, ALL_OBJECTS_DICT)
    if isinstance(config, dict) and "class_name" in config:
        names = (config.get("registered_name"), config["class_name"])
        if all(get_registered_object(n, custom_objects, ALL_OBJECTS_DICT) is None
               for n in names if n):
            cls = lookup_by_name("constraint", config["class_name"], ALL_OBJECTS_DICT)
            return cls.from_config(config.get("config") or {})
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, kind="constraint"
    )


def get(identifier):
    """Return a constraint from ``identifier``, as ``keras.constraints.get``.

    ``None`` -> None; a name (``"max_norm"``, ``"MaxNorm"``, ``"non_neg"``) -> a new
    instance with default arguments; a config dict -> deserialized; a class ->
    an instance; any other callable is returned unchanged.
    """
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
