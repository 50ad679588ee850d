"""Keras 2's ``keras.layers.recurrent`` module path: the recurrent layers of :mod:`keraton.layers.rnn`.

Importing it warns once that Keras 3 has only ``keras.layers``.

Example:
    >>> from keraton.layers.recurrent import LSTM   # Keras 2 spelling
"""

from keraton.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
           "StackedRNNCells"]

warn_keras2_name("keras.layers.recurrent", "`keras.layers`")
