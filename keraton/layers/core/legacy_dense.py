"""Keras 2's deprecated dense layers ``MaxoutDense`` and ``Highway`` (``keras/legacy/layers.py``).

Keras 2.0-2.2.5 exported both in ``keras.layers`` for Keras 1 programs, with
Keras 1's argument names (``init``, ``W_regularizer``, ``bias``...), weights
named ``W``/``b`` and a ``UserWarning`` on every construction.  Keras 3 has
neither; keraton keeps them so that such programs, their configs and their
weight files work unchanged.  Weights are stored in Keras 2's layouts, so
``get_weights``/``set_weights`` and weight files need no conversion.
"""

from __future__ import annotations

import warnings

import torch

from keraton import activations, constraints, initializers, regularizers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


def _deprecation_warning(class_name: str) -> None:
    # Keras 2's own message, warned by every construction (from_config included), as Keras 2.
    warnings.warn(f"The `{class_name}` layer is deprecated and will be removed after 06/2017.",
                  UserWarning, stacklevel=3)


def _two_d_input_dim(layer, input_shape) -> int:
    """The ``input_dim`` of a ``(batch, input_dim)`` input shape; ValueError otherwise."""
    if len(input_shape) != 2 or input_shape[-1] is None:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expects a 2D input "
            f"(batch, input_dim) with a known input_dim, got input shape {tuple(input_shape)}. "
            f"Flatten the input first (keraton.layers.Flatten)."
        )
    return int(input_shape[-1])


class _LegacyDense(Layer):
    """The arguments, input checks and config entries ``MaxoutDense`` and ``Highway`` share."""

    def __init__(self, init, weights, W_regularizer, b_regularizer, activity_regularizer,
                 W_constraint, b_constraint, bias, input_dim, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, weights=weights,
                         input_dim=input_dim, **kwargs)
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        # Keras 2's name for ``use_bias``: a bool, the bias weight itself being ``b``.
        self.bias = bool(bias)
        self._input_dim_arg = None if input_dim is None else int(input_dim)
        self.input_spec = InputSpec(ndim=2)

    def _inputs_like_weights(self, inputs):
        return inputs if inputs.dtype == self.W.dtype else inputs.to(self.W.dtype)

    def get_config(self) -> dict:
        """The base config plus Keras 2's shared entries (Keras 1 names)."""
        config = super().get_config()
        config.update({
            "init": serialize_keras_object(self.init),
            "W_regularizer": serialize_keras_object(self.W_regularizer),
            "b_regularizer": serialize_keras_object(self.b_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "W_constraint": serialize_keras_object(self.W_constraint),
            "b_constraint": serialize_keras_object(self.b_constraint),
            "bias": self.bias,
            "input_dim": self._input_dim_arg,
        })
        return config


class MaxoutDense(_LegacyDense):
    """Dense maxout layer: the element-wise maximum of ``nb_feature`` affine maps, as Keras 2's ``MaxoutDense``.

    ``output = max_k (x @ W[k] + b[k])``; the layer is linear (piecewise), put
    an ``Activation`` after it if one is wanted.  Deprecated since Keras 2.0:
    every construction warns, as Keras 2 did.

    Args:
        output_dim: size of the output.
        nb_feature: number of affine maps the maximum is taken over.
        init: initializer of ``W`` (``'glorot_uniform'``); ``b`` starts at zero.
        weights: initial ``[W, b]`` (``[W]`` without bias), set once built.
        W_regularizer, b_regularizer, activity_regularizer: penalties.
        W_constraint, b_constraint: projections applied after each update.
        bias: whether to add the biases ``b``.
        input_dim: size of the input, to declare it on a model's first layer.

    Shape:
        input ``(batch, input_dim)`` -> output ``(batch, output_dim)``;
        weights ``W`` ``(nb_feature, input_dim, output_dim)`` and ``b``
        ``(nb_feature, output_dim)``.

    Example:
        >>> layer = keraton.layers.MaxoutDense(3, nb_feature=2)  # warns: deprecated
        >>> layer(torch.ones(5, 4)).shape
        torch.Size([5, 3])
    """

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None, **kwargs):
        _deprecation_warning("MaxoutDense")
        super().__init__(init, weights, W_regularizer, b_regularizer, activity_regularizer,
                         W_constraint, b_constraint, bias, input_dim, **kwargs)
        owner = f"MaxoutDense '{self.name}'"
        self.output_dim = standardize_positive_int(output_dim, "output_dim", owner)
        self.nb_feature = standardize_positive_int(nb_feature, "nb_feature", owner)

    def build(self, input_shape) -> None:
        """Create ``W`` ``(nb_feature, input_dim, output_dim)`` and ``b`` ``(nb_feature, output_dim)``."""
        input_dim = _two_d_input_dim(self, input_shape)
        self.W = self.add_weight(shape=(self.nb_feature, input_dim, self.output_dim),
                                 initializer=self.init, name="W", regularizer=self.W_regularizer,
                                 constraint=self.W_constraint)
        if self.bias:
            self.b = self.add_weight(shape=(self.nb_feature, self.output_dim), initializer="zeros",
                                     name="b", regularizer=self.b_regularizer,
                                     constraint=self.b_constraint)
        else:
            self.b = None
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        """``max_k (inputs @ W[k] + b[k])``."""
        # (nb_feature, batch, output_dim): one batched matmul over the features, no copy of W.
        features = torch.matmul(self._inputs_like_weights(inputs), self.W)
        if self.b is not None:
            features = features + self.b.unsqueeze(1)
        # amax shares the gradient among tied features, as TF's reduce_max does.
        return torch.amax(features, dim=0)

    def compute_output_shape(self, input_shape):
        """``(batch, output_dim)``."""
        _two_d_input_dim(self, input_shape)
        return (input_shape[0], self.output_dim)

    def get_config(self) -> dict:
        """Keras 2's MaxoutDense config."""
        config = super().get_config()
        config.update({"output_dim": self.output_dim, "nb_feature": self.nb_feature})
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, output_dim={self.output_dim}, nb_feature={self.nb_feature}"


class Highway(_LegacyDense):
    """Densely connected highway layer, as Keras 2's ``Highway``.

    With the transform gate ``t = sigmoid(x @ W_carry + b_carry)``, the
    output is ``activation(x @ W + b) * t + (1 - t) * x``: the input passes
    through where the gate is closed.  Deprecated since Keras 2.0: every
    construction warns, as Keras 2 did; Keras 1's ``transform_bias`` argument
    is dropped with a warning (``b_carry`` starts at one).

    Args:
        init: initializer of ``W`` and ``W_carry`` (``'glorot_uniform'``).
        activation: name or callable; ``None`` means linear.
        weights: initial ``[W, W_carry, b, b_carry]`` (``[W, W_carry]``
            without bias), set once built.
        W_regularizer, b_regularizer, activity_regularizer: penalties
            (``W_carry`` and ``b_carry`` have none, as in Keras 2).
        W_constraint, b_constraint: projections applied to ``W`` and ``b``.
        bias: whether to add the biases ``b`` and ``b_carry``.
        input_dim: size of the input, to declare it on a model's first layer.

    Shape:
        input ``(batch, input_dim)`` -> output ``(batch, input_dim)``.

    Example:
        >>> layer = keraton.layers.Highway(activation="relu")  # warns: deprecated
        >>> layer(torch.ones(5, 4)).shape
        torch.Size([5, 4])
    """

    def __init__(self, init="glorot_uniform", activation=None, weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        _deprecation_warning("Highway")
        if "transform_bias" in kwargs:
            kwargs.pop("transform_bias")
            warnings.warn("`transform_bias` argument is deprecated and has been removed.",
                          UserWarning, stacklevel=2)
        super().__init__(init, weights, W_regularizer, b_regularizer, activity_regularizer,
                         W_constraint, b_constraint, bias, input_dim, **kwargs)
        self.activation = activations.get(activation)
        self._act = None if self.activation is activations.linear else self.activation

    def build(self, input_shape) -> None:
        """Create ``W``, ``W_carry`` ``(input_dim, input_dim)``, then ``b`` and ``b_carry`` ``(input_dim,)``."""
        input_dim = _two_d_input_dim(self, input_shape)
        square = (input_dim, input_dim)
        self.W = self.add_weight(shape=square, initializer=self.init, name="W",
                                 regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.W_carry = self.add_weight(shape=square, initializer=self.init, name="W_carry")
        if self.bias:
            self.b = self.add_weight(shape=(input_dim,), initializer="zeros", name="b",
                                     regularizer=self.b_regularizer, constraint=self.b_constraint)
            self.b_carry = self.add_weight(shape=(input_dim,), initializer="ones", name="b_carry")
        else:
            self.b = self.b_carry = None
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        """``activation(x @ W + b) * t + (1 - t) * x`` with ``t = sigmoid(x @ W_carry + b_carry)``."""
        x = self._inputs_like_weights(inputs)
        if self.b is not None:
            gate = torch.sigmoid(torch.addmm(self.b_carry, x, self.W_carry))
            transformed = torch.addmm(self.b, x, self.W)
        else:
            gate = torch.sigmoid(x.mm(self.W_carry))
            transformed = x.mm(self.W)
        if self._act is not None:
            transformed = self._act(transformed)
        return transformed * gate + (1 - gate) * x

    def compute_output_shape(self, input_shape):
        """The input shape."""
        _two_d_input_dim(self, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Keras 2's Highway config."""
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, activation={getattr(self.activation, '__name__', self.activation)}"
