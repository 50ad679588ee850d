"""Weight regularizers of ``keras.regularizers``: callables mapping a tensor to a scalar penalty.

``L1(l1)(x) = l1 * sum(|x|)``, ``L2(l2)(x) = l2 * sum(x**2)``, ``L1L2`` both,
``OrthogonalRegularizer`` penalizes non-orthogonal rows/columns.  Penalties are
0-d torch tensors in ``x``'s dtype, differentiable with respect to ``x``.
Lowercase aliases (``l1``, ``l2``, ``l1_l2``, ...) allow Keras 2 style
``regularizers.l2(0.01)``.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import torch

from keraton.saving.object_registration import get_registered_object
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.lookup import lookup_by_name
from keraton.utils.numerical_utils import normalize

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]


def validate_float_arg(value, name: str) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` unless it is finite and >= 0 (as Keras)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (float, int))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _tensor(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


class Regularizer:
    """Base class of regularizers, as ``keras.regularizers.Regularizer``.

    Subclasses implement ``__call__(x)`` returning a scalar penalty and
    ``get_config()``; ``from_config(config)`` calls ``cls(**config)``.  Any plain
    function ``x -> scalar`` can also be used as a regularizer.
    """

    def __call__(self, x):
        """Return the penalty of ``x`` (0.0 for the base class, as in Keras)."""
        return 0.0

    def get_config(self) -> dict:
        """Return the constructor arguments; subclasses must implement it (Keras raises too)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict):
        """Build the regularizer from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``, as ``keras.regularizers.L1L2`` (defaults 0, 0).

    ``None`` factors mean 0.  Terms with a zero factor are skipped.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        """Return the combined penalty as a 0-d tensor of ``x``'s dtype."""
        x = _tensor(x)
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1 != 0.0:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2 != 0.0:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self) -> dict:
        """Return ``{"l1": l1, "l2": l2}``."""
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)``, as ``keras.regularizers.L1`` (default ``l1=0.01``)."""

    def __init__(self, l1=0.01):
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, name="l1")

    def __call__(self, x):
        """Return the L1 penalty as a 0-d tensor."""
        return self.l1 * torch.sum(torch.abs(_tensor(x)))

    def get_config(self) -> dict:
        """Return ``{"l1": l1}``."""
        # Keras keeps l1 in a float32 tensor, so its config reads 0.009999999776482582.
        return {"l1": float(np.float32(self.l1))}


class L2(Regularizer):
    """``l2 * sum(x**2)``, as ``keras.regularizers.L2`` (default ``l2=0.01``; no 1/2 factor)."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        """Return the L2 penalty as a 0-d tensor."""
        return self.l2 * torch.sum(torch.square(_tensor(x)))

    def get_config(self) -> dict:
        """Return ``{"l2": l2}``."""
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalty pushing rows (``mode="rows"``) or columns of a 2-D tensor to be orthogonal.

    As Keras: L2-normalize the rows (columns), take all pairwise dot products
    except the diagonal, and return ``factor * 0.5 * sum(|products|) / num_pairs``
    with ``num_pairs = n * (n - 1) / 2``.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                f"Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, inputs):
        """Return the orthogonality penalty of a rank-2 tensor."""
        inputs = _tensor(inputs)
        if inputs.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        if self.mode == "rows":
            inputs = normalize(inputs, axis=1)
            product = inputs @ inputs.T
            size = inputs.shape[0]
        else:
            inputs = normalize(inputs, axis=0)
            product = inputs.T @ inputs
            size = inputs.shape[1]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=inputs.dtype, device=inputs.device))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs

    def get_config(self) -> dict:
        """Return ``{"factor": factor, "mode": mode}``."""
        return {"factor": float(np.float32(self.factor)), "mode": self.mode}  # float32, as Keras


# Lowercase aliases, as in Keras (``keras.regularizers.l2 is L2``).
l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer


def l1_l2(l1=0.01, l2=0.01):
    """Return ``L1L2(l1, l2)`` with Keras's documented string defaults ``l1=l2=0.01``.

    This is also what the name ``"l1_l2"`` resolves to (Keras's docs promise
    0.01 for both; the ``L1L2`` class itself defaults to 0).
    """
    return L1L2(l1=l1, l2=l2)


ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "regularizer": Regularizer,
        "l1": L1,
        "l2": L2,
        "l1l2": L1L2,
        "l1_l2": l1_l2,
        "orthogonal_regularizer": OrthogonalRegularizer,
    }
)


def serialize(regularizer) -> dict:
    """Return Keras 3's config dict of ``regularizer``."""
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Build a regularizer from a Keras 3 config dict or name.

    Unknown names raise a ``ValueError`` naming the closest known regularizer.
    """
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, ALL_OBJECTS_DICT)
        return obj if obj is not None else lookup_by_name("regularizer", config, ALL_OBJECTS_DICT)
    if isinstance(config, dict) and "class_name" in config:
        names = (config.get("registered_name"), config["class_name"])
        if all(get_registered_object(n, custom_objects, ALL_OBJECTS_DICT) is None
               for n in names if n):
            cls = lookup_by_name("regularizer", config["class_name"], ALL_OBJECTS_DICT)
            return cls.from_config(config.get("config") or {})
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, kind="regularizer"
    )


def get(identifier):
    """Return a regularizer from ``identifier``, as ``keras.regularizers.get``.

    ``None`` -> None; a name (``"l2"``, ``"L1L2"``, ``"l1_l2"``) -> a new instance
    with default factors; a config dict -> deserialized; a class -> an instance;
    any other callable is returned unchanged.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj) or obj is l1_l2:
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
