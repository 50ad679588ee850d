"""Keras 2's ``keras.utils.np_utils`` module path: ``to_categorical`` and ``normalize``.

Importing it warns once that Keras 3 has them in ``keras.utils``.

Example:
    >>> from keraton.utils.np_utils import to_categorical   # Keras 2 spelling
    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
"""

from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.numerical_utils import normalize, to_categorical

__all__ = ["normalize", "to_categorical"]

warn_keras2_name("keras.utils.np_utils", "`keras.utils`")
