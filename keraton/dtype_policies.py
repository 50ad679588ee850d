"""``keras.dtype_policies``: the dtype policy classes and lookups (see ``keraton.mixed_precision``)."""

from keraton.mixed_precision.policy import DTypePolicy, FloatDTypePolicy, get

__all__ = ["DTypePolicy", "FloatDTypePolicy", "get", "serialize", "deserialize"]


def serialize(policy) -> dict:
    """Keras 3's serialized form of a policy (``{"module": "keras", "class_name": "DTypePolicy", ...}``)."""
    from keraton.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(get(policy))


def deserialize(config, custom_objects=None):
    """The policy :func:`serialize` described (a name such as ``"mixed_float16"`` works too)."""
    if isinstance(config, dict) and "config" in config:
        config = config["config"].get("name", config["config"])
    return get(config)
