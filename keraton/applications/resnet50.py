"""``keras.applications.resnet50``: ``ResNet50`` with its ``preprocess_input`` and ``decode_predictions``.

Keras keeps this module (from Keras 2, where ResNet50 had its own) next to
``keras.applications.resnet``; the objects are the same.
"""

from keraton.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
