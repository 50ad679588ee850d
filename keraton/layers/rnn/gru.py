"""``GRUCell`` and ``GRU``: gated recurrent unit, on torch's fused kernel when Keras's arguments allow."""

from __future__ import annotations

import torch.nn.functional as F

from keraton import activations
from keraton.layers.input_spec import InputSpec
from keraton.layers.rnn.fused import fused_layer_call
from keraton.layers.rnn.rnn import RNN, forwards_cell_arguments
from keraton.layers.rnn.rnn_cell import RNNCellBase, swap_first_blocks


class GRUCell(RNNCellBase):
    """One GRU step, as ``keras.layers.GRUCell`` (``reset_after=True`` is the cuDNN/torch variant).

    The weights are Keras's: ``kernel`` ``(input_dim, 3*units)`` and
    ``recurrent_kernel`` ``(units, 3*units)`` in gate order ``z, r, h``, ``bias``
    ``(2, 3*units)`` (input bias, recurrent bias; ``(3*units,)`` when
    ``reset_after=False``).  Torch's fused kernel takes gates ``r, z, n``: the
    layer hands it a reordered copy per call (one small copy per sequence).

    Args:
        units: size of the state.
        reset_after: apply the reset gate after the recurrent matmul (Keras 3's default, True).
        activation, recurrent_activation, use_bias, initializers, regularizers,
        constraints, dropout, recurrent_dropout, seed: as in Keras.

    Example:
        >>> cell = keraton.layers.GRUCell(4)
        >>> out, h = cell(torch.ones(2, 3), [torch.zeros(2, 4)])
        >>> out.shape
        torch.Size([2, 4])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
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
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def build(self, input_shape) -> None:
        """Create ``kernel``, ``recurrent_kernel`` and ``bias`` in Keras's shapes and gate order."""
        units = self.units
        self.kernel = self._add_kernel("kernel", (input_shape[-1], 3 * units), self.kernel_initializer,
                                       self.kernel_regularizer, self.kernel_constraint, transposed=True)
        self.recurrent_kernel = self._add_kernel(
            "recurrent_kernel", (units, 3 * units), self.recurrent_initializer,
            self.recurrent_regularizer, self.recurrent_constraint, transposed=True)
        if self.use_bias:
            shape = (2, 3 * units) if self.reset_after else (3 * units,)
            self.bias = self._add_kernel("bias", shape, self.bias_initializer, self.bias_regularizer,
                                         self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def fused_params(self):
        """The flat weight list torch's ``_VF.gru`` takes: gates reordered ``z, r, h`` -> ``r, z, n``."""
        units = self.units
        weights = [swap_first_blocks(self.kernel.t(), units, axis=0),
                   swap_first_blocks(self.recurrent_kernel.t(), units, axis=0)]
        if self.bias is None:
            return weights
        bias = swap_first_blocks(self.bias, units, axis=-1)
        return weights + [bias[0], bias[1]]

    def call(self, inputs, states, training=None):
        """One step: returns ``h`` and the new state (a list when ``states`` is a list)."""
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h_rec = self._dropped(inputs, h_tm1, training)
        units = self.units
        bias = self.bias
        input_bias = recurrent_bias = None
        if bias is not None:
            input_bias, recurrent_bias = (bias[0], bias[1]) if self.reset_after else (bias, None)
        x_z, x_r, x_h = F.linear(inputs, self.kernel.t(), input_bias).chunk(3, dim=-1)
        rec = self.recurrent_activation
        if self.reset_after:
            h_z, h_r, h_h = F.linear(h_rec, self.recurrent_kernel.t(), recurrent_bias).chunk(3, dim=-1)
            r = rec(x_r + h_r)
            z = rec(x_z + h_z)
            h_h = r * h_h
        else:
            h_z, h_r = F.linear(h_rec, self.recurrent_kernel[:, : 2 * units].t()).chunk(2, dim=-1)
            r = rec(x_r + h_r)
            z = rec(x_z + h_z)
            h_h = F.linear(r * h_rec, self.recurrent_kernel[:, 2 * units:].t())
        hh = self.activation(x_h + h_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self) -> dict:
        """Keras 3's GRUCell config."""
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config


@forwards_cell_arguments("recurrent_activation", "reset_after")
class GRU(RNN):
    """Gated recurrent unit layer, as ``keras.layers.GRU`` (Cho et al., 2014).

    With ``activation='tanh'``, ``recurrent_activation='sigmoid'``,
    ``reset_after=True`` and no ``recurrent_dropout`` it runs torch's fused GRU
    kernel (right-padded masks as packed sequences); otherwise Keras's step loop.

    Args:
        units and the cell arguments: see ``GRUCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: see ``RNN``.
        use_cudnn: accepted for Keras compatibility.

    Shape:
        ``(batch, timesteps, features)`` -> ``(batch, units)`` or ``(batch, timesteps, units)``.

    Example:
        >>> layer = keraton.layers.GRU(4, return_sequences=True)
        >>> layer(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 4])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        kwargs.pop("time_major", None)
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def _fused_call(self, sequences, initial_state, mask, training):
        cell = self.cell
        if not (cell.activation is activations.tanh and cell.recurrent_activation is activations.sigmoid
                and cell.recurrent_dropout == 0 and cell.reset_after):
            return None
        return fused_layer_call(self, "gru", sequences, initial_state[0], mask, training)

    def get_config(self) -> dict:
        """Keras 3's GRU config: the RNN options and the cell's arguments, flat."""
        return self._flat_config(drop=())

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from the flat config."""
        return cls(**config)
