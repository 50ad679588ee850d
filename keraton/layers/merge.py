"""Keras 2's ``keras.layers.merge`` module path: the merging layers and their functional forms.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.merge import concatenate, Add   # Keras 2 spelling
"""

from keraton.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
           "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]

warn_keras2_name("keras.layers.merge", "`keras.layers`")
