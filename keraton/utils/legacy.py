"""``keras.utils.legacy``: tf.keras 2's object serialization, the same functions as ``keras.legacy.saving``."""

from keraton.legacy.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
