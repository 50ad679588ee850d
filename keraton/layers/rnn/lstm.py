"""``LSTMCell`` and ``LSTM``: long short-term memory, on torch's fused kernel when Keras's arguments allow."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import activations, initializers
from keraton.layers.input_spec import InputSpec
from keraton.layers.rnn.fused import fused_layer_call
from keraton.layers.rnn.rnn import RNN, forwards_cell_arguments
from keraton.layers.rnn.rnn_cell import RNNCellBase


def add_gate_bias(layer, units):
    """The ``bias`` of an LSTM-style layer: four gate blocks of ``units``, the forget block
    starting at ones with ``unit_forget_bias`` (Keras); ``None`` without ``use_bias``."""
    if not layer.use_bias:
        return None
    init = layer.bias_initializer
    if layer.unit_forget_bias:
        init = forget_bias_initializer(layer.bias_initializer, units)
    return layer.add_weight(shape=(4 * units,), initializer=init, name="bias",
                            regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)


def forget_bias_initializer(base, units):
    """Keras's ``unit_forget_bias``: ``base`` for the i, c, o blocks and ones for the forget block."""
    def init(shape, dtype=None):
        ones = initializers.get("ones")((units,), dtype=dtype)
        return torch.cat([base((units,), dtype=dtype), ones, base((2 * units,), dtype=dtype)])
    return init


class LSTMCell(RNNCellBase):
    """One LSTM step, as ``keras.layers.LSTMCell``.

    Keras's gates ``i, f, c, o`` are torch's ``i, f, g, o``.  The weights have
    Keras's shapes (``kernel`` ``(input_dim, 4*units)``, ``recurrent_kernel``
    ``(units, 4*units)``, ``bias`` ``(4*units,)``), the two matrices stored
    column-major so that their transposes -- torch's ``(4*units, n)`` weights --
    go to the fused kernel as contiguous views, without a copy per call.

    Args:
        units: size of the state.
        activation, recurrent_activation: ``'tanh'`` and ``'sigmoid'`` by default.
        unit_forget_bias: initialise the forget-gate bias to ones.
        kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as in Keras.
        implementation: accepted and ignored (Keras 2/3 compatibility).

    Example:
        >>> cell = keraton.layers.LSTMCell(4)
        >>> out, (h, c) = cell(torch.ones(2, 3), [torch.zeros(2, 4), torch.zeros(2, 4)])
        >>> out.shape
        torch.Size([2, 4])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape) -> None:
        """Create ``kernel`` ``(input_dim, 4*units)``, ``recurrent_kernel`` and ``bias`` (Keras's shapes)."""
        self._build_matrices(input_shape)
        self.bias = add_gate_bias(self, self.units)
        self.built = True

    def _build_matrices(self, input_shape) -> None:
        units = self.units
        self.kernel = self._add_kernel("kernel", (input_shape[-1], 4 * units), self.kernel_initializer,
                                       self.kernel_regularizer, self.kernel_constraint, transposed=True)
        self.recurrent_kernel = self._add_kernel(
            "recurrent_kernel", (units, 4 * units), self.recurrent_initializer,
            self.recurrent_regularizer, self.recurrent_constraint, transposed=True)

    def fused_params(self):
        """The flat weight list torch's ``_VF.lstm`` takes (views only: torch's gate order is Keras's)."""
        weights = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is None:
            return weights
        return weights + [self.bias, _zeros_like_cached(self, self.bias)]

    def call(self, inputs, states, training=None):
        """One step: returns ``h`` and the new ``[h, c]``."""
        h_tm1, c_tm1 = states[0], states[1]
        inputs, h_rec = self._dropped(inputs, h_tm1, training)
        z = F.linear(inputs, self.kernel.t(), self.bias) + F.linear(h_rec, self.recurrent_kernel.t())
        z_i, z_f, z_c, z_o = z.chunk(4, dim=-1)
        act, rec = self.activation, self.recurrent_activation
        c = rec(z_f) * c_tm1 + rec(z_i) * act(z_c)
        h = rec(z_o) * act(c)
        return h, [h, c]

    def get_config(self) -> dict:
        """Keras 3's LSTMCell config."""
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


def _zeros_like_cached(cell, bias):
    """A zero ``bias_hh`` for the fused kernel, created once per shape/device/dtype."""
    zeros = cell.__dict__.get("_zero_bias_hh")
    if zeros is None or zeros.shape != bias.shape or zeros.device != bias.device or zeros.dtype != bias.dtype:
        # Not an inference tensor, even when first made under predict's
        # inference_mode: training later saves it for backward.
        with torch.inference_mode(False):
            zeros = torch.zeros_like(bias, requires_grad=False)
        cell.__dict__["_zero_bias_hh"] = zeros
    return zeros


@forwards_cell_arguments("recurrent_activation", "unit_forget_bias")
class LSTM(RNN):
    """Long short-term memory layer, as ``keras.layers.LSTM`` (Hochreiter & Schmidhuber, 1997).

    With ``activation='tanh'``, ``recurrent_activation='sigmoid'`` and no
    ``recurrent_dropout`` it runs torch's fused LSTM kernel (with right-padded
    masks as packed sequences); otherwise Keras's step loop.  Both compute
    Keras's function: outputs, states, ``go_backwards`` order and masking.

    Args:
        units and the cell arguments: see ``LSTMCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: see ``RNN``.
        use_cudnn: accepted for Keras compatibility (torch picks its kernel).

    Shape:
        ``(batch, timesteps, features)`` -> ``(batch, units)`` or ``(batch, timesteps, units)``.

    Example:
        >>> layer = keraton.layers.LSTM(4, return_state=True)
        >>> out, h, c = layer(torch.ones(2, 5, 3))
        >>> out.shape, c.shape
        (torch.Size([2, 4]), torch.Size([2, 4]))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        kwargs.pop("time_major", None)
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="lstm_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def _fused_call(self, sequences, initial_state, mask, training):
        cell = self.cell
        if not (cell.activation is activations.tanh and cell.recurrent_activation is activations.sigmoid
                and cell.recurrent_dropout == 0):
            return None
        return fused_layer_call(self, "lstm", sequences, tuple(initial_state), mask, training)

    def get_config(self) -> dict:
        """Keras 3's LSTM config: the RNN options and the cell's arguments, flat."""
        return self._flat_config(drop=())

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from the flat config."""
        return cls(**config)
