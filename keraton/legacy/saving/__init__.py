"""``keras.legacy.saving``: tf.keras 2's ``{"class_name", "config"}`` object serialization."""

from keraton.legacy.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
