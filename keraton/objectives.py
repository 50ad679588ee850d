"""Keras 2.x's ``keras.objectives``: the legacy name of :mod:`keraton.losses`, kept by Keras 2.

Importing it warns once that Keras 3 has only ``keras.losses``.

Example:
    >>> from keraton.objectives import categorical_crossentropy   # Keras 2 spelling
"""

from keraton.losses import *  # noqa: F403
from keraton.losses import __all__  # noqa: F401
from keraton.utils.keras2_names import warn_keras2_name

warn_keras2_name("keras.objectives", "`keras.losses`")
