"""Keras 2's ``keras.layers.noise`` module path: the noise layers.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.noise import GaussianNoise   # Keras 2 spelling
"""

from keraton.layers.regularization import AlphaDropout, GaussianDropout, GaussianNoise
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["AlphaDropout", "GaussianDropout", "GaussianNoise"]

warn_keras2_name("keras.layers.noise", "`keras.layers`")
