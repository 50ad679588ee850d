"""Keras 2.0.9's ``keras.utils.training_utils`` module path: ``multi_gpu_model``.

Importing it warns once that Keras 3 has no such module.
"""

from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.multi_gpu_utils import multi_gpu_model

__all__ = ["multi_gpu_model"]

warn_keras2_name("keras.utils.training_utils", "`keras.utils`")
