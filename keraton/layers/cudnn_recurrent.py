"""Keras 2's ``keras.layers.cudnn_recurrent`` module path: ``CuDNNLSTM`` and ``CuDNNGRU``.

Importing it warns once that Keras 3 has only ``keras.layers`` (and no cuDNN layers:
``LSTM``/``GRU`` pick the fused kernel themselves).

Example:
    >>> from keraton.layers.cudnn_recurrent import CuDNNLSTM   # Keras 2 spelling
"""

from keraton.layers.rnn.cudnn_recurrent import CuDNNGRU, CuDNNLSTM
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["CuDNNGRU", "CuDNNLSTM"]

warn_keras2_name("keras.layers.cudnn_recurrent", "`keras.layers`")
