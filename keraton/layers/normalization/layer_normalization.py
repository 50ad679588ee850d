"""``LayerNormalization``: normalize each example over the given axes."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from keraton import constraints, initializers, regularizers
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class LayerNormalization(Layer):
    """Layer normalization, as ``keras.layers.LayerNormalization``.

    Each example is normalized over ``axis`` (an int or a list of ints):
    ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the biased
    variance; ``gamma``/``beta`` have the shape of the normalized axes.  With
    the deprecated ``rms_scaling=True`` the output is ``x * rsqrt(var +
    epsilon) * gamma`` (no centering, no ``beta``), exactly as Keras 3 computes
    it.  Trailing axes run through ``torch.nn.functional.layer_norm``.

    As in Keras, ``axis`` becomes a sorted list once the layer is built (and
    so does its config).

    Args:
        axis: axis or axes to normalize over.
        epsilon: added to the variance.
        center, scale: whether to learn ``beta`` / ``gamma``.
        rms_scaling: Keras 3's deprecated RMS variant (see above).
        beta_initializer, gamma_initializer, beta_regularizer,
        gamma_regularizer, beta_constraint, gamma_constraint.

    Example:
        >>> ln = keraton.layers.LayerNormalization()
        >>> ln(torch.tensor([[1.0, 3.0]]))
        tensor([[-0.9995,  0.9995]], grad_fn=...)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly "
                "scales the input by the variance, not the root mean square (as in Keras 3).",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                "LayerNormalization expected an int or a list/tuple of ints for the argument "
                f"'axis', got {axis!r}."
            )
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Create ``gamma`` and ``beta`` with the shape of the normalized axes."""
        rank = len(input_shape)
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f"Layer '{self.name}' (LayerNormalization) got axis={self.axis}, which is out "
                    f"of bounds for input shape {tuple(input_shape)}."
                )
        self.axis = axes
        shape = tuple(int(input_shape[a]) for a in axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        if not hasattr(self, "gamma"):
            self.gamma = None
        if not hasattr(self, "beta"):
            self.beta = None
        dims = sorted(a % rank for a in axes)
        self._dims = dims
        self._trailing = dims == list(range(rank - len(dims), rank))
        self._broadcast = [input_shape[i] if i in dims else 1 for i in range(rank)]
        self.built = True

    def call(self, inputs):
        """Normalize ``inputs`` over ``axis``."""
        if not inputs.is_floating_point():
            inputs = inputs.float()
        gamma, beta = self.gamma, self.beta
        if self.rms_scaling:
            out = inputs * torch.rsqrt(inputs.var(dim=self._dims, keepdim=True, correction=0)
                                       + self.epsilon)
            return out * gamma.reshape(self._broadcast) if gamma is not None else out
        if self._trailing:
            shape = tuple(inputs.shape[d] for d in self._dims)
            return F.layer_norm(inputs, shape, gamma, beta, self.epsilon)
        variance, mean = torch.var_mean(inputs, dim=self._dims, keepdim=True, correction=0)
        inv = torch.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma.reshape(self._broadcast)
        offset = -mean * inv
        if beta is not None:
            offset = offset + beta.reshape(self._broadcast)
        return inputs * inv + offset

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras 3's LayerNormalization config."""
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, axis={self.axis}, epsilon={self.epsilon}"
