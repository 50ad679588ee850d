"""Keras 2's ``keras.layers.local`` module path: the locally-connected layers.

Importing it warns once that Keras 3 has no such module.

Example:
    >>> from keraton.layers.local import LocallyConnected2D   # Keras 2 spelling
"""

from keraton.layers.convolutional import LocallyConnected1D, LocallyConnected2D
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]

warn_keras2_name("keras.layers.local", "`keras.layers`")
