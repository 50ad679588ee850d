"""``keras.layers.AbstractRNNCell``: tf.keras 2's base class for custom RNN cells.

A subclass defines ``state_size`` (and optionally ``output_size``) as
properties, creates its weights in ``build`` and implements
``call(inputs, states) -> (output, new_states)``; it then runs inside
``keras.layers.RNN`` like any built-in cell.  Matches tf.keras 2.15's
``AbstractRNNCell`` (removed in Keras 3, where any layer with ``state_size``
is a cell).
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.layers.layer import Layer

__all__ = ["AbstractRNNCell"]


class AbstractRNNCell(Layer):
    """Abstract RNN cell: ``state_size``, ``output_size`` and ``call`` are for subclasses.

    ``get_initial_state(inputs=None, batch_size=None, dtype=None)`` returns
    zero states shaped from ``state_size`` (one tensor for an integer state
    size, a list for a list of sizes), as tf.keras 2.

    Example:
        >>> import keraton as keras
        >>> class MinimalRNNCell(AbstractRNNCell):
        ...     def __init__(self, units, **kwargs):
        ...         self.units = units
        ...         super().__init__(**kwargs)
        ...     @property
        ...     def state_size(self):
        ...         return self.units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        ...         self.built = True
        ...     def call(self, inputs, states):
        ...         output = inputs @ self.kernel + states[0]
        ...         return output, [output]
        >>> keras.layers.RNN(MinimalRNNCell(4))(torch.ones(2, 3, 5)).shape
        torch.Size([2, 4])
    """

    def call(self, inputs, states):
        """One step: return ``(output, new_states)``; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, states).")

    @property
    def state_size(self):
        """Size(s) of the state(s): an integer or a list of integers; set by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must define the `state_size` property.")

    @property
    def output_size(self):
        """Size of the cell's output; set by subclasses.

        Undefined, it reads as a missing attribute (tf.keras 2 raises
        ``NotImplementedError``), so that ``RNN`` uses ``state_size`` instead.
        """
        raise AttributeError(f"{type(self).__name__} does not define the `output_size` property.")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero-filled states for ``batch_size`` rows (taken from ``inputs`` when given)."""
        if inputs is not None:
            batch_size = inputs.shape[0]
            dtype = dtype or inputs.dtype
        if batch_size is None:
            raise ValueError(
                f"{type(self).__name__}.get_initial_state: pass `batch_size` or `inputs` "
                "to size the initial state."
            )
        dtype = backend.torch_dtype(dtype)

        def zeros(size):
            shape = (size,) if isinstance(size, int) else tuple(size)
            return torch.zeros((batch_size,) + shape, dtype=dtype)

        size = self.state_size
        if isinstance(size, (list, tuple)):
            return [zeros(d) for d in size]
        return zeros(size)
