"""``Dense``: the densely connected layer, ``activation(inputs @ kernel + bias)``."""

from __future__ import annotations

import torch

from keraton import activations, constraints, initializers, regularizers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


class Dense(Layer):
    """Densely connected layer: ``output = activation(dot(input, kernel) + bias)``, as ``keras.layers.Dense``.

    The kernel is stored in Keras's layout ``(input_dim, units)``, so
    ``get_weights()`` and files match Keras with no conversion, and the matmul
    runs as ``torch.addmm`` on it directly.  Inputs of rank > 2 are
    contracted on their last axis.

    Args:
        units: size of the output's last dimension.
        activation: name or callable; ``None`` means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (Keras defaults
            ``'glorot_uniform'`` and ``'zeros'``).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.

    Shape:
        input ``(batch, ..., input_dim)`` -> output ``(batch, ..., units)``.

    Example:
        >>> layer = keraton.layers.Dense(3, activation="relu")
        >>> layer(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """

    # Keras 3's entries in a weights file: kernel then bias; variables a subclass
    # adds (keras.io's ``LayerWithCustomVariable``) are not written by default.
    variable_serialization_spec = {None: ("kernel", "bias")}

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        kwargs.pop("quantization_config", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = standardize_positive_int(units, "units", f"Dense '{self.name}'")
        self.activation = activations.get(activation)
        self._act = None if self.activation is activations.linear else self.activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Create ``kernel`` of shape ``(input_dim, units)`` and ``bias`` of shape ``(units,)``."""
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) needs a known last input dimension to build, "
                f"got input shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            shape=(input_dim, self.units), initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: int(input_dim)})
        self.built = True

    def call(self, inputs):
        """Compute ``activation(inputs @ kernel + bias)``."""
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        bias = self.bias
        if inputs.dim() == 2:
            out = torch.addmm(bias, inputs, kernel) if bias is not None else inputs.mm(kernel)
        else:
            out = torch.matmul(inputs, kernel)
            if bias is not None:
                out = out + bias
        if self._act is not None:
            out = self._act(out)
        return out

    def compute_output_shape(self, input_shape):
        """``input_shape[:-1] + (units,)``."""
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        """Keras 3's Dense config."""
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, units={self.units}, activation={getattr(self.activation, '__name__', self.activation)}"
