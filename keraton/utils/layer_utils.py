"""Keras 2's ``keras.utils.layer_utils`` module path: ``print_summary`` and ``count_params``.

Importing it warns once that Keras 3 has ``print_summary`` in ``keras.utils``.

Example:
    >>> from keraton.utils.layer_utils import count_params   # Keras 2 spelling
"""

from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.kernel_conversion import convert_all_kernels_in_model
from keraton.utils.summary_utils import print_summary

__all__ = ["convert_all_kernels_in_model", "count_params", "print_summary"]


def count_params(weights) -> int:
    """Total number of scalars in ``weights`` (tensors or arrays), as Keras 2's ``count_params``."""
    total = 0
    for w in weights:
        size = 1
        for d in w.shape:
            size *= int(d)
        total += size
    return total


warn_keras2_name("keras.utils.layer_utils", "`keras.utils` / `model.count_params()`")
