"""Keras 2's ``keras.layers.merge`` module path: the merging layers and their functional forms.

Importing it warns once that Keras 3 has only ``keras.layers``.  The module is
also callable, as Keras 2.0/2.1's ``keras.layers.merge`` was the deprecated
Keras 1 ``merge`` function too (``keraton.layers.merge([a, b], mode="concat")``).

Example:
    >>> from keraton.layers.merge import concatenate, Add   # Keras 2 spelling
"""

import sys
import types

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
from keraton.layers.merging.base_merge import Merge as _Merge  # noqa: F401  (Keras 2's base class)
from keraton.layers.merging.legacy_merge import merge as _legacy_merge
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
           "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]

warn_keras2_name("keras.layers.merge", "`keras.layers`")


class _CallableModule(types.ModuleType):
    """This module, callable as Keras 2.0/2.1's ``merge`` function (which shared its name)."""

    def __call__(self, *args, **kwargs):
        return _legacy_merge(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
