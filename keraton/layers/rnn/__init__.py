"""Recurrent layers: RNN and its cells, LSTM, GRU, SimpleRNN, Bidirectional, TimeDistributed."""

from keraton.layers.rnn.bidirectional import Bidirectional
from keraton.layers.rnn.gru import GRU, GRUCell
from keraton.layers.rnn.lstm import LSTM, LSTMCell
from keraton.layers.rnn.rnn import RNN
from keraton.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from keraton.layers.rnn.stacked_rnn_cells import StackedRNNCells
from keraton.layers.rnn.time_distributed import TimeDistributed

__all__ = ["Bidirectional", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
           "StackedRNNCells", "TimeDistributed"]
