"""``RNNCellBase``: the arguments, weights and config shared by SimpleRNNCell, LSTMCell and GRUCell."""

from __future__ import annotations

import torch

from keraton import activations, constraints, initializers, regularizers
from keraton.layers.layer import Layer
from keraton.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


class RNNCellBase(Layer, DropoutRNNCell):
    """Common part of Keras's built-in cells: units, activations, initializers, penalties, dropout.

    Subclasses create their weights in ``build`` (with ``_add_kernel``) and
    compute one step in ``call(inputs, states, training)``.  ``dropout`` and
    ``recurrent_dropout`` are clipped to ``[0, 1]`` as in Keras.
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = standardize_positive_int(units, "units", f"{type(self).__name__} '{self.name}'")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self._generator = self._make_generator(seed)
        self.output_size = self.units

    def _add_kernel(self, name, keras_shape, initializer, regularizer, constraint,
                    transposed=False):
        """``add_weight`` in Keras's shape.

        ``transposed=True`` stores a matrix column-major, so ``kernel.t()`` -- the
        ``(out, in)`` weight torch's fused kernels and ``F.linear`` take -- is
        contiguous without a copy.
        """
        param = self.add_weight(shape=keras_shape, initializer=initializer, name=name,
                                regularizer=regularizer, constraint=constraint)
        if transposed:
            with torch.no_grad():
                param.data = param.data.t().contiguous().t()
        return param

    def get_initial_state(self, batch_size=None):
        """Zero states, one per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [torch.zeros(batch_size, d) for d in sizes]

    def _dropped(self, inputs, h, training):
        """Inputs and previous output with this call's dropout masks applied (training only)."""
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            h = h * self.get_recurrent_dropout_mask(h)
        return inputs, h

    def get_config(self) -> dict:
        """The keys every Keras cell writes."""
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "recurrent_initializer": serialize_keras_object(self.recurrent_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "recurrent_regularizer": serialize_keras_object(self.recurrent_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "recurrent_constraint": serialize_keras_object(self.recurrent_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, units={self.units}"


def swap_first_blocks(w, units, axis):
    """Swap the first two ``units``-sized blocks along ``axis`` (Keras GRU z,r,h <-> torch r,z,n)."""
    a, b, rest = torch.split(w, [units, units, w.shape[axis] - 2 * units], dim=axis)
    return torch.cat([b, a, rest], dim=axis)
