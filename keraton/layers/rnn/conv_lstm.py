"""``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D``: LSTMs whose input and recurrent maps are convolutions.

As Keras 3's ``keras/src/layers/rnn/conv_lstm.py``: a private cell
(``ConvLSTMCell``), an N-D base layer (``ConvLSTM``, an ``RNN``) and one
public class per rank.  The input convolution of every timestep runs as one
convolution over ``batch * time``; only the recurrent convolution is in the
time loop.
"""

from __future__ import annotations

import torch

from keraton import activations
from keraton.layers.convolutional import conv_utils
from keraton.layers.convolutional.base_conv import (
    channels_of,
    check_strides_and_dilation,
    conv_output_spatial,
    with_spatial,
)
from keraton.layers.input_spec import InputSpec
from keraton.layers.rnn.lstm import add_gate_bias
from keraton.layers.rnn.rnn import RNN
from keraton.layers.rnn.rnn_cell import RNNCellBase
from keraton.utils.argument_validation import standardize_positive_int


class ConvLSTMCell(RNNCellBase):
    """One ConvLSTM step, as Keras's (private) ``ConvLSTMCell``.

    ``kernel`` is Keras's ``(*kernel_size, in_channels, 4 * filters)`` and
    ``recurrent_kernel`` ``(*kernel_size, filters, 4 * filters)``, gates in
    Keras's order ``i, f, c, o``, stored in the memory order of torch's
    convolution weight ``(4 * filters, channels, *kernel_size)`` so that the
    view handed to torch needs no copy.  The recurrent convolution is
    Keras's: stride 1, no dilation, "same" padding.  As in Keras, dropout and
    recurrent dropout draw one mask per gate (four), run here as one grouped
    convolution.

    Args:
        rank: 1, 2 or 3 spatial dimensions.
        filters, kernel_size, strides, padding (``'valid'``/``'same'``),
        data_format, dilation_rate: as ``Conv2D``'s.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as ``LSTMCell``'s.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        owner = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(f"{owner}: rank {rank!r} convolutions are not implemented; use 1, 2 or 3.")
        filters = standardize_positive_int(filters, "filters", owner)
        super().__init__(filters, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, owner=owner)
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=owner)
        check_strides_and_dilation(owner, self.strides, self.dilation_rate)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [filters, filters]
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape, states_shape=None) -> None:
        """Create ``kernel``, ``recurrent_kernel`` and ``bias`` (Keras's shapes) for one step's shape."""
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        if len(input_shape) == self.rank + 2 and None in spatial:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): ConvLSTM layers need static spatial "
                f"dimensions, got input shape {input_shape} (one step). Give every spatial size "
                "in Input(shape=...)."
            )
        conv_output_spatial(self, input_shape)  # rank and size checks
        self._in_channels = channels_of(self, input_shape)
        self.spatial_dims = tuple(int(d) for d in spatial)
        layout = conv_utils.conv_layout()
        fmt = conv_utils.memory_format(self.rank, self.data_format)
        filters = self.filters
        self.kernel = conv_utils.add_kernel(
            self, "kernel", self.kernel_size + (self._in_channels, 4 * filters), layout,
            fmt, self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = conv_utils.add_kernel(
            self, "recurrent_kernel", self.kernel_size + (filters, 4 * filters), layout,
            fmt, self.recurrent_initializer, self.recurrent_regularizer, self.recurrent_constraint)
        self.bias = add_gate_bias(self, filters)
        self.built = True

    # --------------------------------------------------------------- the maths (channels first)
    def _create_dropout_mask(self, step_input, rate):
        # Keras's ConvLSTMCell sets dropout_mask_count = 4: one mask per gate.
        draw = super()._create_dropout_mask
        return torch.stack([draw(step_input, rate) for _ in range(4)])

    def input_gates(self, steps, training=False):
        """Input convolutions ``(batch, time, 4 * filters, *out)`` of ``steps`` ``(batch, time, channels, *in)``.

        All timesteps run as one convolution over ``batch * time``; with
        dropout the four gate-masked copies run as one grouped convolution.
        """
        groups = 1
        if training and 0.0 < self.dropout < 1.0:
            masks = self.get_dropout_mask(steps[:, 0])
            steps = torch.cat([steps * m.unsqueeze(1) for m in masks], dim=2)
            groups = 4
        z = conv_utils.convolve(steps.flatten(0, 1), conv_utils.torch_kernel(self.kernel), self.bias,
                                self.strides, self.padding, self.dilation_rate, groups)
        return z.unflatten(0, steps.shape[:2])

    def recurrent_gates(self, h, training=False):
        """The recurrent convolution of ``h`` ``(batch, filters, *out)``: stride 1, "same", no dilation."""
        groups = 1
        if training and 0.0 < self.recurrent_dropout < 1.0:
            masks = self.get_recurrent_dropout_mask(h)
            h = torch.cat([h * m for m in masks], dim=1)
            groups = 4
        ones = (1,) * self.rank
        return conv_utils.convolve(h, conv_utils.torch_kernel(self.recurrent_kernel), None, ones,
                                   "same", ones, groups)

    def update(self, z, c):
        """The new ``(h, c)`` from the summed gate pre-activations ``z`` (gates ``i, f, c, o`` on axis 1)."""
        z_i, z_f, z_c, z_o = z.chunk(4, dim=1)
        act, rec = self.activation, self.recurrent_activation
        c = rec(z_f) * c + rec(z_i) * act(z_c)
        return rec(z_o) * act(c), c

    # --------------------------------------------------------------- Keras's cell API
    def call(self, inputs, states, training=None):
        """One step on ``inputs`` in ``data_format``: returns ``h`` and ``[h, c]``."""
        fmt = self.data_format
        x = conv_utils.to_channels_first(inputs.to(self.kernel.dtype), fmt)
        h, c = (conv_utils.to_channels_first(s, fmt) for s in states[:2])
        z = self.input_gates(x.unsqueeze(1), training)[:, 0] + self.recurrent_gates(h, training)
        h, c = (conv_utils.from_channels_first(s, fmt) for s in self.update(z, c))
        return h, [h, c]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        """Keras's: the convolution's output shape, for the output and both states."""
        shape = with_spatial(self, inputs_shape, conv_output_spatial(self, inputs_shape), self.filters)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        """Zero ``h`` and ``c`` of the convolution's output shape (in ``data_format``)."""
        shape = (batch_size, *self.spatial_dims, self._in_channels)
        if self.data_format == "channels_first":
            shape = (batch_size, self._in_channels, *self.spatial_dims)
        state_shape = self.compute_output_shape(shape)[0]
        return [torch.zeros(state_shape, dtype=self.kernel.dtype, device=self.kernel.device)
                for _ in range(2)]

    def get_config(self) -> dict:
        """Keras 3's ConvLSTMCell config (it has no ``rank`` key, as Keras's)."""
        config = super().get_config()
        del config["units"]
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        })
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"padding={self.padding!r}, data_format={self.data_format!r}")


class ConvLSTM(RNN):
    """N-D convolutional LSTM (Shi et al., 2015), the base of ``ConvLSTM1D/2D/3D``, as Keras's ``ConvLSTM``.

    Inputs are ``(batch, time, *spatial, channels)`` (``channels_last``) or
    ``(batch, time, channels, *spatial)`` (``channels_first``); the output and
    the states ``h``, ``c`` have the convolution's output shape.  Masking,
    ``go_backwards``, ``initial_state``, ``stateful`` and ``return_state``
    behave as in ``RNN``.  The states are carried channels-first inside the
    loop (views of Keras's layout, no copies) and the input convolution runs
    once for the whole sequence.

    Args:
        rank: 1, 2 or 3.
        filters ... seed: see ``ConvLSTMCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: see ``RNN``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def _fused_call(self, sequences, initial_state, mask, training):
        """The whole sequence: Keras's ``(last_output, outputs, states)``, in ``data_format``.

        Keras's step-loop semantics (``RNN._loop``), with the input convolution
        of all steps done first: a masked step keeps the states and outputs the
        previous output (zeros with ``zero_output_for_mask``).
        """
        cell, fmt = self.cell, self.cell.data_format
        training = bool(training)
        x = sequences.to(cell.kernel.dtype)
        steps = x.movedim(-1, 2) if fmt == "channels_last" else x
        h, c = (conv_utils.to_channels_first(s, fmt) for s in initial_state[:2])
        keep_shape = (-1,) + (1,) * (cell.rank + 1)
        order = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])
        outputs, output = [], None
        try:
            gates = _unbind_steps(cell.input_gates(steps, training), fmt)
            for t in order:
                new_h, new_c = cell.update(gates[t] + cell.recurrent_gates(h, training), c)
                out = new_h
                if mask is not None:
                    keep = mask[:, t].reshape(keep_shape)
                    use_previous = output is not None and not self.zero_output_for_mask
                    out = torch.where(keep, new_h, output if use_previous else torch.zeros_like(new_h))
                    new_h, new_c = torch.where(keep, new_h, h), torch.where(keep, new_c, c)
                h, c, output = new_h, new_c, out
                if self.return_sequences:
                    outputs.append(out)
        finally:
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        to_keras = conv_utils.from_channels_first
        sequence = None
        if self.return_sequences:
            sequence = torch.stack([to_keras(out, fmt) for out in outputs], dim=1)
        return to_keras(output, fmt), sequence, [to_keras(h, fmt), to_keras(c, fmt)]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """Keras's ``ConvLSTM.compute_output_shape`` (a tuple ``(output, h, c)`` with ``return_state``)."""
        batch, steps = sequences_shape[0], sequences_shape[1]
        step_shape = (batch,) + tuple(sequences_shape[2:])
        state_shape = tuple(self.cell.compute_output_shape(step_shape)[0][1:])
        output_shape = (batch, steps) + state_shape if self.return_sequences else (batch,) + state_shape
        if self.return_state:
            return output_shape, (batch,) + state_shape, (batch,) + state_shape
        return output_shape

    def get_config(self) -> dict:
        """Keras 3's ConvLSTM config: the RNN options and the cell's arguments, flat."""
        return self._flat_config(drop=())

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from the flat config."""
        return cls(**config)

    def extra_repr(self) -> str:
        cell = self.cell
        return (f"name={self.name!r}, filters={cell.filters}, kernel_size={cell.kernel_size}, "
                f"padding={cell.padding!r}, return_sequences={self.return_sequences}")


def _unbind_steps(gates, data_format):
    """Per-step channels-first views of ``gates`` ``(batch, time, 4 * filters, *out)``.

    ``unbind`` rather than ``gates[:, t]``: its backward writes the step
    gradients into one tensor once, where indexing zero-fills a whole-sequence
    gradient at every step.  For channels_last data it unbinds the
    channels-last view, so that gradient has the memory layout the
    convolution's backward wants (no permuting copy).
    """
    if data_format == "channels_last":
        return [g.movedim(-1, 1) for g in gates.movedim(2, -1).unbind(1)]
    return gates.unbind(1)


def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}`` (as Keras).")


for _name in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
              "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
              "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"):
    setattr(ConvLSTM, _name, _cell_property(_name))
del _name


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM, as ``keras.layers.ConvLSTM1D``.

    Shape:
        ``(batch, time, steps, channels)`` -> ``(batch, new_steps, filters)``, or
        ``(batch, time, new_steps, filters)`` with ``return_sequences``
        (channels before ``steps`` with ``data_format='channels_first'``).

    Example:
        >>> layer = keraton.layers.ConvLSTM1D(4, 3, padding="same", return_sequences=True)
        >>> layer(torch.ones(2, 5, 8, 3)).shape
        torch.Size([2, 5, 8, 4])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(1, filters, kernel_size, *args, **kwargs)


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM, as ``keras.layers.ConvLSTM2D``.

    Shape:
        ``(batch, time, rows, cols, channels)`` -> ``(batch, new_rows, new_cols, filters)``,
        or ``(batch, time, new_rows, new_cols, filters)`` with ``return_sequences``
        (channels before the rows with ``data_format='channels_first'``).

    Example:
        >>> layer = keraton.layers.ConvLSTM2D(4, 3, return_state=True)
        >>> out, h, c = layer(torch.ones(2, 5, 8, 8, 3))
        >>> out.shape, c.shape
        (torch.Size([2, 6, 6, 4]), torch.Size([2, 6, 6, 4]))
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(2, filters, kernel_size, *args, **kwargs)


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM, as ``keras.layers.ConvLSTM3D``.

    Shape:
        ``(batch, time, d1, d2, d3, channels)`` -> ``(batch, new_d1, new_d2, new_d3, filters)``,
        or with the time axis after the batch with ``return_sequences``
        (channels before ``d1`` with ``data_format='channels_first'``).

    Example:
        >>> layer = keraton.layers.ConvLSTM3D(2, 3, padding="same")
        >>> layer(torch.ones(1, 3, 4, 4, 4, 1)).shape
        torch.Size([1, 4, 4, 4, 2])
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(3, filters, kernel_size, *args, **kwargs)
