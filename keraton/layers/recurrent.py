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
from keraton.layers.rnn.legacy_recurrent import Recurrent, _time_distributed_dense  # noqa: F401
from keraton.utils.keras2_names import warn_keras2_name

# _time_distributed_dense: Keras 2.0/2.1's private helper that old custom RNNs import from here.
__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "Recurrent", "SimpleRNN", "SimpleRNNCell",
           "StackedRNNCells"]

warn_keras2_name("keras.layers.recurrent", "`keras.layers`")
