"""``StackedRNNCells``: several RNN cells run as one, each feeding the next (Keras's StackedRNNCells)."""

from __future__ import annotations

from keraton.layers.layer import Layer, _call_accepts


class StackedRNNCells(Layer):
    """Wrap a list of RNN cells so an ``RNN`` runs them as a stack, as ``keras.layers.StackedRNNCells``.

    The states are nested: one entry per cell (a tensor for single-state
    cells, a list for LSTM cells).  ``RNN([cell_a, cell_b])`` builds one.

    Example:
        >>> cells = [keraton.layers.LSTMCell(4), keraton.layers.GRUCell(3)]
        >>> rnn = keraton.layers.RNN(keraton.layers.StackedRNNCells(cells))
        >>> rnn(torch.ones(2, 5, 6)).shape
        torch.Size([2, 3])
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
                raise ValueError(
                    "StackedRNNCells: all cells must have a `call` method and a `state_size` "
                    f"attribute. Received: {cell!r}"
                )
        # A plain list (the cells are registered one by one below, as cell_<i>).
        object.__setattr__(self, "cells", list(cells))
        for i, cell in enumerate(self.cells):
            self.add_module(f"cell_{i}", cell)

    @property
    def state_size(self):
        """One state size per cell."""
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        """The last cell's output size."""
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size[0] if isinstance(size, (list, tuple)) else size

    def get_initial_state(self, batch_size=None):
        """Zero states for each cell, nested like ``state_size``."""
        import torch

        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(torch.zeros(batch_size, cell.state_size))
            else:
                states.append([torch.zeros(batch_size, d) for d in cell.state_size])
        return states

    def build(self, input_shape) -> None:
        """Build each cell on the previous cell's output size."""
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(tuple(input_shape))
            size = getattr(cell, "output_size", None) or cell.state_size
            size = size[0] if isinstance(size, (list, tuple)) else size
            input_shape = (input_shape[0], size)
        self.built = True

    def call(self, inputs, states, training=None):
        """Run each cell on the previous one's output; return the last output and all new states."""
        new_states = []
        for cell, state in zip(self.cells, states):
            is_list = isinstance(state, (list, tuple))
            state = list(state) if is_list else [state]
            kwargs = {"training": training} if _call_accepts(type(cell), "training") else {}
            inputs, state = cell.call(inputs, state, **kwargs)
            if not isinstance(state, (list, tuple)):
                state = [state]
            new_states.append(list(state) if is_list else state[0])
        return inputs, new_states

    def get_config(self) -> dict:
        """Keras's config: the serialized cells."""
        from keraton.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the stack, deserializing each cell."""
        from keraton.layers.rnn.rnn import deserialize_layer

        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
