"""Keras 2's ``keras.layers.advanced_activations`` module path: the activation layers.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.advanced_activations import LeakyReLU   # Keras 2 spelling
"""

from keraton.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]

warn_keras2_name("keras.layers.advanced_activations", "`keras.layers`")
