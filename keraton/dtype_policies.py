"""``keras.dtype_policies``: the dtype policy classes and lookups (see ``keraton.mixed_precision``)."""

from keraton.mixed_precision.policy import DTypePolicy, FloatDTypePolicy, get
from keraton.mixed_precision.quantized_policy import (
    QUANTIZATION_MODES,
    AWQDTypePolicy,
    DTypePolicyMap,
    GPTQDTypePolicy,
    Int4DTypePolicy,
    QuantizedDTypePolicy,
    QuantizedFloat8DTypePolicy,
)

__all__ = ["QUANTIZATION_MODES", "AWQDTypePolicy", "DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "GPTQDTypePolicy",
           "Int4DTypePolicy",
           "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "get", "serialize", "deserialize"]


def serialize(policy) -> dict:
    """Keras 3's serialized form of a policy (``{"module": "keras", "class_name": "DTypePolicy", ...}``)."""
    from keraton.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(get(policy))


def deserialize(config, custom_objects=None):
    """The policy :func:`serialize` described (a name such as ``"mixed_float16"`` works too).

    Quantized policies and ``DTypePolicyMap`` configs give those classes, as Keras.
    """
    return get(config)
