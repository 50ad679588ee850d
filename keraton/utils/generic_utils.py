"""Keras 2's ``keras.utils.generic_utils`` module path: custom objects, serialization, Progbar.

Importing it warns once that Keras 3 has these in ``keras.utils`` and ``keras.saving``.

Example:
    >>> from keraton.utils.generic_utils import get_custom_objects   # Keras 2 spelling
"""

from keraton.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.progbar import Progbar

__all__ = ["CustomObjectScope", "Progbar", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "serialize_keras_object"]

warn_keras2_name("keras.utils.generic_utils", "`keras.utils` / `keras.saving`")
