"""Keras 2's ``keras.layers.wrappers`` module path: ``TimeDistributed``, ``Bidirectional``, ``Wrapper``.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.wrappers import Bidirectional   # Keras 2 spelling
"""

from keraton.layers.core import Wrapper
from keraton.layers.rnn import Bidirectional, TimeDistributed
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["Bidirectional", "TimeDistributed", "Wrapper"]

warn_keras2_name("keras.layers.wrappers", "`keras.layers`")
