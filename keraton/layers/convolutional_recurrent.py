"""Keras 2's ``keras.layers.convolutional_recurrent`` module path: ``ConvLSTM2D``.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.convolutional_recurrent import ConvLSTM2D   # Keras 2 spelling
"""

from keraton.layers.rnn import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvRecurrent2D
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ConvRecurrent2D"]

warn_keras2_name("keras.layers.convolutional_recurrent", "`keras.layers`")
