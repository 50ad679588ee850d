"""Recurrent layers: RNN and its cells, LSTM, GRU, SimpleRNN, ConvLSTM1D/2D/3D, Bidirectional,
TimeDistributed, and Keras 2's CuDNNLSTM/CuDNNGRU."""

from keraton.layers.rnn.abstract_rnn_cell import AbstractRNNCell
from keraton.layers.rnn.bidirectional import Bidirectional
from keraton.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from keraton.layers.rnn.cudnn_recurrent import CuDNNGRU, CuDNNLSTM
from keraton.layers.rnn.gru import GRU, GRUCell
from keraton.layers.rnn.legacy_recurrent import ConvRecurrent2D, Recurrent
from keraton.layers.rnn.lstm import LSTM, LSTMCell
from keraton.layers.rnn.rnn import RNN
from keraton.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from keraton.layers.rnn.stacked_rnn_cells import StackedRNNCells
from keraton.layers.rnn.time_distributed import TimeDistributed

__all__ = ["AbstractRNNCell", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "CuDNNGRU", "CuDNNLSTM", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
           "StackedRNNCells", "TimeDistributed",
           "Recurrent", "ConvRecurrent2D"]  # Keras 2's deprecated abstract bases
