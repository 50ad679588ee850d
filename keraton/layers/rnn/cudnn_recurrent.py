"""``CuDNNLSTM`` and ``CuDNNGRU``: Keras 2's cuDNN recurrent layers, on torch's fused kernels.

Keras 2.1-2.3 (and ``tf.compat.v1.keras``) had GPU-only layers whose weights
follow cuDNN: two biases per gate, the input one and the recurrent one, stored
end to end (``CuDNNLSTM.bias`` ``(8*units,)``, ``CuDNNGRU.bias`` ``(6*units,)``),
tanh and sigmoid activations, no dropout, and a GRU that applies its reset
gate after the recurrent matmul.  torch's fused LSTM and GRU kernels compute
exactly that on any device, so these layers run everywhere here, and their
weights (``get_weights``, ``.h5`` files) keep Keras 2's shapes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import initializers
from keraton.layers.input_spec import InputSpec
from keraton.layers.rnn.gru import GRU, GRUCell
from keraton.layers.rnn.lstm import LSTM, LSTMCell
from keraton.layers.rnn.rnn import RNN
from keraton.layers.weight_layout import set_keras_layout
from keraton.saving.serialization_lib import serialize_keras_object

_CELL_KEYS_NOT_IN_KERAS2 = ("activation", "recurrent_activation", "use_bias", "dropout",
                            "recurrent_dropout", "seed")


class _CuDNNLSTMCell(LSTMCell):
    """An LSTM step with cuDNN's two biases: ``bias[:4u]`` on the input, ``bias[4u:]`` on the state."""

    def build(self, input_shape) -> None:
        units = self.units
        self._build_matrices(input_shape)
        init = self.bias_initializer
        if self.unit_forget_bias:  # Keras 2: ones on the recurrent bias's forget block only
            base = self.bias_initializer
            ones = initializers.get("ones")

            def init(shape, dtype=None):
                return torch.cat([base((5 * units,), dtype=dtype), ones((units,), dtype=dtype),
                                  base((2 * units,), dtype=dtype)])
        self.bias = self.add_weight(shape=(8 * units,), initializer=init, name="bias",
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)
        self.built = True

    def fused_params(self):
        units = 4 * self.units
        return [self.kernel.t(), self.recurrent_kernel.t(), self.bias[:units], self.bias[units:]]

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        units = 4 * self.units
        z = (F.linear(inputs, self.kernel.t(), self.bias[:units])
             + F.linear(h_tm1, self.recurrent_kernel.t(), self.bias[units:]))
        z_i, z_f, z_c, z_o = z.chunk(4, dim=-1)
        c = torch.sigmoid(z_f) * c_tm1 + torch.sigmoid(z_i) * torch.tanh(z_c)
        h = torch.sigmoid(z_o) * torch.tanh(c)
        return h, [h, c]


class _CuDNNGRUCell(GRUCell):
    """``GRUCell(reset_after=True)`` whose ``(2, 3u)`` bias Keras 2 shows flat, as ``(6u,)``."""

    def build(self, input_shape) -> None:
        super().build(input_shape)
        set_keras_layout(self.bias, lambda t: t.reshape(-1), lambda t: t.reshape(2, -1))


def _cell_kwargs(units, kwargs, **arguments):
    return dict(units=units, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                **arguments)


class _CuDNNRNNConfig:
    """Keras 2's config of the cuDNN layers: no activations, dropout, ``use_bias`` or ``unroll``."""

    def _init_rnn(self, cell, return_sequences, return_state, go_backwards, stateful,
                  activity_regularizer, kwargs) -> None:
        RNN.__init__(self, cell, return_sequences=return_sequences, return_state=return_state,
                     go_backwards=go_backwards, stateful=stateful,
                     activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = True

    def get_config(self) -> dict:
        config = self._flat_config(drop=_CELL_KEYS_NOT_IN_KERAS2)
        config.pop("unroll", None)
        config.pop("reset_after", None)
        config.pop("use_cudnn", None)
        config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class CuDNNLSTM(_CuDNNRNNConfig, LSTM):
    """Keras 2's ``CuDNNLSTM``: an LSTM with cuDNN's weights (``bias`` of ``8*units``).

    Computes ``LSTM(units)`` with the input and recurrent biases added; runs on
    torch's fused LSTM on CPU and GPU alike.

    Example:
        >>> layer = keraton.layers.CuDNNLSTM(4)
        >>> layer(torch.ones(2, 5, 3)).shape, layer.weights[2].shape
        (torch.Size([2, 4]), torch.Size([32]))
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        cell = _CuDNNLSTMCell(**_cell_kwargs(
            units, kwargs, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, name="cudnn_lstm_cell"))
        self._init_rnn(cell, return_sequences, return_state, go_backwards, stateful,
                       activity_regularizer, kwargs)


class CuDNNGRU(_CuDNNRNNConfig, GRU):
    """Keras 2's ``CuDNNGRU``: ``GRU(reset_after=True)`` with its bias shown flat (``6*units``).

    Example:
        >>> layer = keraton.layers.CuDNNGRU(4, return_sequences=True)
        >>> layer(torch.ones(2, 5, 3)).shape, layer.get_weights()[2].shape
        (torch.Size([2, 5, 4]), (24,))
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell = _CuDNNGRUCell(**_cell_kwargs(
            units, kwargs, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            reset_after=True, name="cudnn_gru_cell"))
        self._init_rnn(cell, return_sequences, return_state, go_backwards, stateful,
                       activity_regularizer, kwargs)
