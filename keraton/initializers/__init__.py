"""Weight initializers of ``keras.initializers``, producing torch tensors.

An initializer is called as ``init(shape, dtype=None)`` and returns a new torch
tensor (dtype ``keraton.backend.floatx()`` unless given).  Fan-in / fan-out
follow Keras's weight layouts: a Dense kernel is ``(in, out)``, a convolution
kernel ``(*spatial, in, out)`` with receptive field ``prod(spatial)``.

Randomness:

* ``seed=None``: values come from torch's global generator, so
  ``torch.manual_seed`` / ``keraton.utils.set_random_seed`` make a program
  reproducible, and each call draws new values (as ``torch.nn.init`` does).
* ``seed=<int>``: Keras 3's documented behaviour: the initializer is
  deterministic and returns the same values on every call.  Each call uses a
  fresh ``torch.Generator`` seeded with ``seed``, drawing exactly the numbers
  Keras 3's torch backend draws for that seed.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from keraton import backend
from keraton.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from keraton.initializers.initializer import Initializer, _shape
from keraton.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from keraton.initializers.stft import STFT, STFTInitializer
from keraton.saving.object_registration import get_registered_object
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.lookup import lookup_by_name

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFT",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "RandomInitializer",
    "Zeros",
    "compute_fans",
    "deserialize",
    "get",
    "serialize",
]

# Standard deviation of a standard normal truncated to (-2, 2); Keras divides by it so

ALL_OBJECTS = (
    Initializer,
    Constant,
    Identity,
    Ones,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    STFT,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({backend.to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "STFTInitializer": STFT,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)

# Lowercase aliases, as in Keras (``keras.initializers.glorot_uniform is GlorotUniform``).
zeros = Zeros
stft = STFT
ones = Ones
constant = Constant
identity = Identity
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
# Keras 2's short names (``keras.initializers.normal(stddev=0.01)``).
normal = RandomNormal
uniform = RandomUniform
zero = Zeros
one = Ones


def serialize(initializer) -> dict:
    """Return Keras 3's config dict of ``initializer`` (module, class_name, config, ...)."""
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Build an initializer from a Keras 3 config dict (or a bare class name).

    Unknown names raise a ``ValueError`` naming the closest known initializer.
    """
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if isinstance(config, dict) and "class_name" in config:
        name = config.get("registered_name") or config["class_name"]
        if (get_registered_object(name, custom_objects, ALL_OBJECTS_DICT) is None
                and get_registered_object(config["class_name"], custom_objects,
                                          ALL_OBJECTS_DICT) is None):
            cls = lookup_by_name("initializer", config["class_name"], ALL_OBJECTS_DICT)
            return cls.from_config(config.get("config") or {})
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, kind="initializer"
    )


def get(identifier):
    """Return an initializer from ``identifier``, as ``keras.initializers.get``.

    ``None`` -> None; a name (``"glorot_uniform"``, ``"GlorotUniform"``, ``"zeros"``...)
    or a config dict -> a new initializer; a class -> an instance with default
    arguments; a tensor/array -> a function returning it (shape must match); any
    other callable is returned unchanged.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    elif isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        value = identifier

        def initialize_fn(shape, dtype=None):
            if _shape(shape) != tuple(value.shape):
                raise ValueError(
                    f"Expected `shape` to be {tuple(value.shape)} for direct tensor as "
                    f"initializer. Received shape={shape}"
                )
            tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
            return tensor.detach().clone().to(backend.torch_dtype(dtype))

        obj = initialize_fn
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
IdentityInitializer = Identity  # Keras 3's long names
OrthogonalInitializer = Orthogonal
