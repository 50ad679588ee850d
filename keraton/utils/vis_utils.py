"""Keras 2's ``keras.utils.vis_utils`` module path: ``plot_model`` and ``model_to_dot``.

Importing it warns once that Keras 3 has them in ``keras.utils``.

Example:
    >>> from keraton.utils.vis_utils import plot_model   # Keras 2 spelling
"""

from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.model_visualization import model_to_dot, plot_model

__all__ = ["model_to_dot", "plot_model"]

warn_keras2_name("keras.utils.vis_utils", "`keras.utils`")
