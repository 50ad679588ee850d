"""tf.keras 2's premade models ``keras.experimental.LinearModel`` and ``WideDeepModel`` (Keras 3 dropped them).

``LinearModel`` computes ``activation(bias + sum_i x_i @ kernel_i)`` over one
input, a list of inputs or a dict of named inputs (one kernel per input, the
dict's keys taken in sorted order).  ``WideDeepModel`` adds a linear model's
and a DNN's outputs (then an optional activation) and trains both, with one
optimizer or with ``compile(optimizer=[linear_optimizer, dnn_optimizer])``.
Weights come in tf.keras 2's ``get_weights`` order (the kernels, then the bias).
"""

from __future__ import annotations

import re

import torch

from keraton import activations, initializers, regularizers
from keraton.models.model import Model
from keraton.utils import tree


def _is_shape(value) -> bool:
    return isinstance(value, (tuple, list, torch.Size)) and all(d is None or isinstance(d, int) for d in value)


class LinearModel(Model):
    """A linear model for regression and classification, as tf.keras 2's ``keras.experimental.LinearModel``.

    Args:
        units: output size, default 1.
        activation: applied to the sum (default: none).
        use_bias: add a bias (the intercept), default True.
        kernel_initializer, bias_initializer: default ``"zeros"`` both (tf.keras 2's).
        kernel_regularizer, bias_regularizer: optional regularizers.
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Example:

    >>> model = keraton.experimental.LinearModel()
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model.fit(x, y, epochs=10)
    """

    _keras_module = "keras.experimental"

    def __init__(self, units=1, activation=None, use_bias=True, kernel_initializer="zeros",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kwargs):
        """Create the model; see the class docstring for the arguments."""
        super().__init__(**kwargs)
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"LinearModel units must be a positive integer, got {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._input_keys = None

    def build(self, input_shape):
        """One kernel per input (a shape, a list of shapes, or a dict of them), then the bias."""
        if isinstance(input_shape, dict):
            self._input_keys = sorted(input_shape)
            shapes = [input_shape[k] for k in self._input_keys]
        elif isinstance(input_shape, (list, tuple)) and input_shape and not _is_shape(input_shape):
            shapes = list(input_shape)
        else:
            shapes = [input_shape]
        self.kernels = [
            self.add_weight(name="kernel", shape=(int(shape[-1]), self.units),
                            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
            for shape in shapes]
        self.bias = (self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer) if self.use_bias else None)
        self.built = True

    def call(self, inputs):
        """``activation(sum_i inputs_i @ kernel_i + bias)``."""
        if self._input_keys is not None:
            if not isinstance(inputs, dict) or set(self._input_keys) - set(inputs):
                got = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
                raise ValueError("The `inputs` dictionary does not match the structure expected by the model. "
                                 f"Expected keys: {self._input_keys}; received: {got}.")
            parts = [inputs[k] for k in self._input_keys]
        elif isinstance(inputs, (list, tuple)):
            parts = list(inputs)
        else:
            parts = [inputs]
        if len(parts) != len(self.kernels):
            raise ValueError(f"LinearModel was built for {len(self.kernels)} input(s), got {len(parts)}.")
        result = None
        for part, kernel in zip(parts, self.kernels):
            term = torch.matmul(torch.as_tensor(part, dtype=kernel.dtype), kernel)
            result = term if result is None else result + term
        if self.bias is not None:
            result = result + self.bias
        return result if self.activation is None else self.activation(result)

    def get_config(self):
        """tf.keras 2's config: ``name``, ``trainable``, ``dtype`` and the constructor arguments."""
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy.name,
                "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output (tf.keras 2's included)."""
        return cls(**config)


class WideDeepModel(Model):
    """A linear ("wide") model plus a DNN ("deep"), as tf.keras 2's ``keras.experimental.WideDeepModel``.

    Called on ``[linear_inputs, dnn_inputs]`` (a list of two) each part gets
    its own inputs; on anything else both get the same.  The output is
    ``activation(linear_model(...) + dnn_model(...))``.  ``compile`` takes one
    optimizer, or a list ``[linear_optimizer, dnn_optimizer]`` that updates
    each part with its own (keraton wraps the pair in a ``MultiOptimizer``, so
    ``model.optimizer`` is that, where tf.keras 2 keeps the list).

    Args:
        linear_model: a ``LinearModel`` (any keraton model works).
        dnn_model: a keraton model whose outputs match the linear model's.
        activation: applied to the sum (default: none).
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Example:

    >>> model = keraton.experimental.WideDeepModel(linear, dnn, activation="sigmoid")
    >>> model.compile(optimizer=["sgd", "adam"], loss="mse")
    """

    _keras_module = "keras.experimental"

    def __init__(self, linear_model, dnn_model, activation=None, **kwargs):
        """Combine the two models; see the class docstring for the arguments."""
        super().__init__(**kwargs)
        for what, value in (("linear_model", linear_model), ("dnn_model", dnn_model)):
            if not isinstance(value, Model):
                raise TypeError(f"WideDeepModel's {what} must be a keraton Model, got {type(value).__name__}.")
        self.linear_model = linear_model
        self.dnn_model = dnn_model
        self.activation = activations.get(activation)

    def call(self, inputs, training=None):
        """``activation(linear_model(linear_inputs) + dnn_model(dnn_inputs))``."""
        if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            linear_inputs, dnn_inputs = inputs
        else:
            linear_inputs = dnn_inputs = inputs
        linear_output = self.linear_model(linear_inputs)
        dnn_output = self.dnn_model(dnn_inputs, training=training)
        output = tree.pack_sequence_as(linear_output, [a + b for a, b in zip(
            tree.flatten(linear_output), tree.flatten(dnn_output), strict=True)])
        if self.activation is None:
            return output
        return tree.map_structure(self.activation, output)

    def compile(self, optimizer="rmsprop", *args, **kwargs):
        """Keras's ``compile``; ``optimizer`` may be ``[linear_optimizer, dnn_optimizer]`` (tf.keras 2)."""
        if isinstance(optimizer, (list, tuple)):
            from keraton import optimizers

            if len(optimizer) != 2:
                raise ValueError("WideDeepModel.compile takes one optimizer or a list of two "
                                 f"(linear model's, DNN's); got a list of {len(optimizer)}.")
            linear_optimizer, dnn_optimizer = (optimizers.get(o) for o in optimizer)
            # Routed by variable path (".../linear_model/kernel"), so the pair saves with the model.
            pattern = f"(.*/)?{re.escape(self.linear_model.name)}/.*"
            optimizer = optimizers.MultiOptimizer(
                optimizers.OptimizerMap(dnn_optimizer, {pattern: linear_optimizer}))
        super().compile(optimizer, *args, **kwargs)

    def get_config(self):
        """tf.keras 2's config: ``name``, ``trainable``, ``dtype``, both models serialized, ``activation``."""
        from keraton.saving.serialization_lib import serialize_keras_object

        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy.name,
                "linear_model": serialize_keras_object(self.linear_model),
                "dnn_model": serialize_keras_object(self.dnn_model),
                "activation": activations.serialize(self.activation)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild both models from their configs, then the wrapper."""
        from keraton.layers import deserialize

        config = dict(config)
        config["linear_model"] = deserialize(config["linear_model"], custom_objects=custom_objects)
        config["dnn_model"] = deserialize(config["dnn_model"], custom_objects=custom_objects)
        return cls(**config)
