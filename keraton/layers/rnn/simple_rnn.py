"""``SimpleRNNCell`` and ``SimpleRNN``: the fully connected recurrent layer ``h = act(x W + h U + b)``."""

from __future__ import annotations

import torch

from keraton.layers.input_spec import InputSpec
from keraton.layers.rnn.rnn import RNN, forwards_cell_arguments
from keraton.layers.rnn.rnn_cell import RNNCellBase


class SimpleRNNCell(RNNCellBase):
    """One step of a fully connected RNN, as ``keras.layers.SimpleRNNCell``.

    ``output = activation(inputs @ kernel + bias + h @ recurrent_kernel)``;
    weights are in Keras's layout (``(input_dim, units)``, ``(units, units)``).

    Example:
        >>> cell = keraton.layers.SimpleRNNCell(4)
        >>> out, h = cell(torch.ones(2, 3), [torch.zeros(2, 4)])
        >>> out.shape
        torch.Size([2, 4])
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.state_size = self.units

    def build(self, input_shape) -> None:
        """Create ``kernel``, ``recurrent_kernel`` and ``bias`` in Keras's layout."""
        self.kernel = self._add_kernel("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                                       self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = self._add_kernel(
            "recurrent_kernel", (self.units, self.units), self.recurrent_initializer,
            self.recurrent_regularizer, self.recurrent_constraint)
        if self.use_bias:
            self.bias = self._add_kernel("bias", (self.units,), self.bias_initializer,
                                         self.bias_regularizer, self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=None):
        """One step: returns the output and the new state (a list when ``states`` is a list)."""
        prev = states[0] if isinstance(states, (list, tuple)) else states
        inputs, prev_rec = self._dropped(inputs, prev, training)
        h = inputs @ self.kernel
        if self.bias is not None:
            h = h + self.bias
        output = self.activation(h + torch.matmul(prev_rec, self.recurrent_kernel))
        return output, ([output] if isinstance(states, (list, tuple)) else output)


@forwards_cell_arguments()
class SimpleRNN(RNN):
    """Fully connected RNN whose output is fed back as input, as ``keras.layers.SimpleRNN``.

    Args:
        units and the cell arguments: see ``SimpleRNNCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: see ``RNN``.

    Shape:
        ``(batch, timesteps, features)`` -> ``(batch, units)`` or ``(batch, timesteps, units)``.

    Example:
        >>> layer = keraton.layers.SimpleRNN(4)
        >>> layer(torch.ones(2, 5, 3)).shape
        torch.Size([2, 4])
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self) -> dict:
        """Keras 3's SimpleRNN config: the RNN options and the cell's arguments, flat."""
        return self._flat_config(drop=("seed",))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from the flat config."""
        return cls(**config)
