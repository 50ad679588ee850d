"""Battery cases for the recurrent family and Embedding/Masking (the layers that make and use masks)."""

import torch

from battery_cases import Case
from keraton import layers


def _indices(gen):
    return torch.randint(1, 10, (2, 3), generator=gen)


def _bad_rank(name, cls):
    return (((2, 4), (f"'{name}'", f"({cls})", "ndim=3", "(2, 4)")),)


CASES = [
    Case("embedding", lambda: layers.Embedding(10, 4), (2, 3), n_trainable=1, make_input=_indices),
    Case("embedding_mask_zero", lambda: layers.Embedding(10, 4, mask_zero=True,
                                                         embeddings_regularizer="l2"),
         (2, 3), n_trainable=1, make_input=_indices),
    Case("masking", lambda: layers.Masking(mask_value=0.5), (2, 3, 4)),
    Case("lstm", lambda: layers.LSTM(5), (2, 3, 4), n_trainable=3, covers=("LSTMCell",),
         bad_inputs=_bad_rank("lstm", "LSTM")),
    Case("lstm_sequences_backwards", lambda: layers.LSTM(5, return_sequences=True, go_backwards=True,
                                                         use_bias=False), (2, 3, 4), n_trainable=2),
    Case("lstm_step_loop", lambda: layers.LSTM(5, activation="relu", recurrent_dropout=0.2,
                                               kernel_regularizer="l2"), (2, 3, 4), n_trainable=3),
    Case("gru", lambda: layers.GRU(5), (2, 3, 4), n_trainable=3, covers=("GRUCell",),
         bad_inputs=_bad_rank("gru", "GRU")),
    Case("cu_dnnlstm", lambda: layers.CuDNNLSTM(5, return_sequences=True), (2, 3, 4),
         n_trainable=3, bad_inputs=_bad_rank("cu_dnnlstm", "CuDNNLSTM")),  # Keras 2 names it so
    Case("cu_dnngru", lambda: layers.CuDNNGRU(5, go_backwards=True), (2, 3, 4), n_trainable=3,
         bad_inputs=_bad_rank("cu_dnngru", "CuDNNGRU")),
    Case("gru_reset_before", lambda: layers.GRU(5, reset_after=False, return_sequences=True),
         (2, 3, 4), n_trainable=3),
    Case("simple_rnn", lambda: layers.SimpleRNN(5, return_sequences=True), (2, 3, 4), n_trainable=3,
         covers=("SimpleRNNCell",), bad_inputs=_bad_rank("simple_rnn", "SimpleRNN")),
    Case("rnn_stacked_cells", lambda: layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)]), (2, 3, 4),
         n_trainable=6, covers=("StackedRNNCells",)),
    Case("bidirectional", lambda: layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
         (2, 3, 4), n_trainable=6),
    Case("bidirectional_sum", lambda: layers.Bidirectional(layers.GRU(3), merge_mode="sum"),
         (2, 3, 4), n_trainable=6),
    Case("time_distributed", lambda: layers.TimeDistributed(layers.Dense(3)), (2, 3, 4), n_trainable=2),
    Case("reversible_embedding", lambda: layers.ReversibleEmbedding(10, 4), (2, 3), n_trainable=1,
         make_input=_indices),
    Case("conv_lstm1d", lambda: layers.ConvLSTM1D(3, 3), (2, 3, 6, 2), n_trainable=3,
         covers=("ConvLSTM2D", "ConvLSTM3D"),
         bad_inputs=(((2, 4), ("'conv_lstm1d'", "(ConvLSTM1D)", "ndim=4", "(2, 4)")),)),
    Case("conv_lstm2d_sequences_backwards", lambda: layers.ConvLSTM2D(3, 3, padding="same",
         return_sequences=True, go_backwards=True), (2, 3, 5, 5, 2), n_trainable=3),
    Case("conv_lstm2d_channels_first_dropout", lambda: layers.ConvLSTM2D(2, 2,
         data_format="channels_first", dropout=0.2, recurrent_dropout=0.3, kernel_regularizer="l2"),
         (2, 3, 2, 5, 5), n_trainable=3),
    Case("conv_lstm3d", lambda: layers.ConvLSTM3D(2, 2, padding="same"), (2, 2, 3, 4, 4, 1),
         n_trainable=3),
]
