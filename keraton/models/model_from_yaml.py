"""``keras.models.model_from_yaml``: removed in tf.keras 2.6+, and here.

tf.keras 2.15 keeps the name only to raise ``RuntimeError`` (YAML model
configs could run arbitrary code); keraton does the same.
"""

from __future__ import annotations

__all__ = ["model_from_yaml"]


def model_from_yaml(yaml_string, custom_objects=None):
    """Raise ``RuntimeError``, as tf.keras 2.15: use ``model.to_json()`` / ``model_from_json``."""
    raise RuntimeError(
        "Method `model_from_yaml()` has been removed due to security risk of arbitrary code "
        "execution. Please use `Model.to_json()` and `model_from_json()` instead."
    )
