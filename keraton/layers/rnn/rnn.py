"""``RNN``: runs a cell over the time axis, with Keras's masking, state and direction semantics."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer, _call_accepts
from keraton.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from keraton.layers.rnn.stacked_rnn_cells import StackedRNNCells
from keraton.utils import tree


class RNN(Layer):
    """Base class for recurrent layers: iterates ``cell`` over the timesteps, as ``keras.layers.RNN``.

    Semantics follow Keras 3 exactly: with ``go_backwards`` the sequence is
    read from the end and the returned sequence is in that (reversed) order;
    a masked step keeps the previous states and outputs the previous output
    (zeros with ``zero_output_for_mask``); with ``stateful`` the last states of
    a batch are the initial states of the next (the batch size must be fixed).
    ``LSTM`` and ``GRU`` run torch's fused kernels when their arguments allow
    (see ``_fused_call``); otherwise this Python step loop runs.

    Args:
        cell: an RNN cell (``call(inputs, states) -> (output, new_states)``,
            ``state_size``), or a list of cells (stacked).
        return_sequences: return the whole output sequence, not only the last output.
        return_state: also return the last states.
        go_backwards: process the input sequence backwards.
        stateful: keep the last states of a batch for the next batch.
        unroll: accepted for Keras compatibility; torch runs the loop the same way.
        zero_output_for_mask: output zeros (not the previous output) at masked steps.

    Shape:
        input ``(batch, timesteps, features)`` -> ``(batch, units)``, or
        ``(batch, timesteps, units)`` with ``return_sequences``.

    Example:
        >>> layer = keraton.layers.RNN(keraton.layers.SimpleRNNCell(4), return_sequences=True)
        >>> layer(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 4])
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` of RNN should have a `call` method. Received: cell={cell!r}")
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (an integer or a list of "
                f"integers, one per state). Received: cell={cell!r}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        self.states = None

    # ------------------------------------------------------------------ build
    def build(self, sequences_shape, initial_state_shape=None) -> None:
        """Build the cell for one step's input shape; create the state of a stateful layer."""
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build(step_shape)
        if self.stateful:
            batch = sequences_shape[0]
            if batch is None and self._batch_input_shape is not None:
                batch = self._batch_input_shape[0]
            if batch is None:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) uses stateful=True, which needs a "
                    f"fixed batch size, but the input shape is {tuple(sequences_shape)}. Pass "
                    "batch_size to Input() (or batch_input_shape to the first layer)."
                )
            self.states = self.get_initial_state(batch)
        self.built = True

    def get_initial_state(self, batch_size, device=None, dtype=None):
        """Zero states for ``batch_size`` (the cell's ``get_initial_state`` when it has one)."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            state = fn(batch_size=batch_size)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
        else:
            state = [torch.zeros(batch_size, d) for d in self.state_size]
        if device is not None or dtype is not None:
            state = tree.map_structure(lambda s: s.to(device=device, dtype=dtype), state)
        return state

    def reset_state(self) -> None:
        """Set the states of a stateful layer back to zeros."""
        if self.states is not None:
            self.states = tree.map_structure(torch.zeros_like, self.states)

    def reset_states(self) -> None:
        """Keras 2 alias of ``reset_state``."""
        self.reset_state()

    # ------------------------------------------------------------------ call
    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Run the cell over ``sequences`` and return the output (and states with ``return_state``)."""
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                if batch != tree.flatten(self.states)[0].shape[0]:
                    raise ValueError(
                        f"Layer '{self.name}' ({type(self).__name__}) is stateful with batch size "
                        f"{tree.flatten(self.states)[0].shape[0]}, but got a batch of {batch}. Feed "
                        "batches of the fixed size (drop the remainder)."
                    )
                initial_state = self.states
            else:
                initial_state = self.get_initial_state(batch)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        initial_state = tree.map_structure(
            lambda s: torch.as_tensor(s).to(device=sequences.device, dtype=sequences.dtype),
            list(initial_state),
        )
        if mask is not None:
            if isinstance(mask, (list, tuple)):
                mask = mask[0]
            mask = mask.to(device=sequences.device, dtype=torch.bool)
        result = self._fused_call(sequences, initial_state, mask, training)
        if result is None:
            result = self._loop(sequences, initial_state, mask, training)
        last_output, outputs, states = result
        if self.stateful:
            self.states = tree.map_structure(lambda s: s.detach(), list(states))
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def _fused_call(self, sequences, initial_state, mask, training):
        """A fused-kernel run returning ``(last_output, outputs, states)``, or None to use the loop."""
        return None

    def _loop(self, sequences, states, mask, training):
        """Keras's step loop (``keras.backend.rnn`` without unrolling), in plain torch."""
        cell = self.cell
        kwargs = {"training": bool(training)} if _call_accepts(type(cell), "training") else {}
        steps = sequences.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        prev_output = None
        output = None
        try:
            for t in order:
                output, new_states = cell.call(sequences[:, t], states, **kwargs)
                if not isinstance(new_states, (list, tuple)):
                    new_states = [new_states]
                if mask is not None:
                    keep = mask[:, t].unsqueeze(-1)
                    if self.zero_output_for_mask or prev_output is None:
                        fallback = torch.zeros_like(output)
                    else:
                        fallback = prev_output
                    output = torch.where(keep, output, fallback)
                    new_states = _where_states(keep, new_states, states)
                states = list(new_states)
                prev_output = output
                if self.return_sequences:
                    outputs.append(output)
        finally:
            _reset_dropout_masks(cell)
        seq = torch.stack(outputs, dim=1) if self.return_sequences else None
        return output, seq, states

    # ------------------------------------------------------------------ shapes/masks
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """Output shape (and state shapes with ``return_state``), as Keras."""
        batch, length = sequences_shape[0], sequences_shape[1]
        output_size = getattr(self.cell, "output_size", None) or _first_int(self.state_size[0])
        output_shape = (batch, length, output_size) if self.return_sequences else (batch, output_size)
        if not self.return_state:
            return output_shape
        states = []
        for size in self.state_size:
            if isinstance(size, int):
                states.append((batch, size))
            else:
                states.append([(batch, s) for s in size])
        return [output_shape, *states]

    def compute_mask(self, inputs, mask=None):
        """The input mask for the output sequence with ``return_sequences``, else None.

        With ``return_state`` the states' masks follow as ``None``s, as in Keras.
        """
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras 3's RNN config (the cell serialized under ``cell``)."""
        from keraton.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        })
        return config

    def _flat_config(self, drop=()) -> dict:
        """The config of Keras's built-in RNN layers: RNN options and the cell's arguments, flat."""
        from keraton.saving.serialization_lib import serialize_keras_object

        config = RNN.get_config(self)
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype") + tuple(drop):
            cell_config.pop(key)
        config.update(cell_config)
        config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the layer, deserializing its cell."""
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, return_sequences={self.return_sequences}, "
                f"return_state={self.return_state}, go_backwards={self.go_backwards}")


# The cell arguments every built-in recurrent layer exposes (Keras's SimpleRNN/GRU/LSTM).
CELL_ARGUMENTS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
)


def forwards_cell_arguments(*extra):
    """Class decorator: read-only properties forwarding to the cell, as Keras's recurrent layers.

    ``LSTM(4).units`` is ``layer.cell.units`` in Keras; the decorated class gets
    one property per name of :data:`CELL_ARGUMENTS` and of ``extra``.
    """
    def forward(name):
        return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}``.")

    def decorate(cls):
        for name in CELL_ARGUMENTS + extra:
            setattr(cls, name, forward(name))
        return cls

    return decorate


def deserialize_layer(config, custom_objects=None):
    """Deserialize a nested layer or cell config (a dict) or pass a layer object through."""
    if isinstance(config, Layer):
        return config
    from keraton import layers

    return layers.deserialize(config, custom_objects=custom_objects)


def _first_int(size):
    return size if isinstance(size, int) else size[0]


def _where_states(keep, new_states, old_states):
    return tree.pack_sequence_as(
        new_states,
        [torch.where(keep, n, o) for n, o in zip(tree.flatten(new_states), tree.flatten(old_states))],
    )


def _reset_dropout_masks(cell) -> None:
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    for sub in getattr(cell, "cells", ()):
        _reset_dropout_masks(sub)
