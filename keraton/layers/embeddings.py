"""Keras 2's ``keras.layers.embeddings`` module path: ``Embedding``.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.embeddings import Embedding   # Keras 2 spelling
"""

from keraton.layers.core.embedding import Embedding
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["Embedding"]

warn_keras2_name("keras.layers.embeddings", "`keras.layers`")
