"""``GroupNormalization``: normalize groups of channels per example."""

from __future__ import annotations

import torch

from keraton import constraints, initializers, regularizers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class GroupNormalization(Layer):
    """Group normalization, as ``keras.layers.GroupNormalization``.

    The channels on ``axis`` are split into ``groups`` groups; each example is
    normalized over every non-batch axis within each group (biased variance),
    then scaled by ``gamma`` and shifted by ``beta`` per channel.
    ``groups=-1`` gives instance normalization (one group per channel), and
    ``groups=1`` layer normalization over all axes.

    Args:
        groups: number of groups; must divide the number of channels.
        axis: the channels axis.
        epsilon: added to the variance.
        center, scale: whether to learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, beta_regularizer,
        gamma_regularizer, beta_constraint, gamma_constraint.

    Example:
        >>> gn = keraton.layers.GroupNormalization(groups=2)
        >>> gn(torch.randn(2, 5, 4)).shape
        torch.Size([2, 5, 4])
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                "GroupNormalization expected a positive integer (or -1 for instance normalization) "
                f"for argument 'groups', got groups={groups!r}."
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Check the channel count against ``groups`` and create ``gamma``/``beta``."""
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Layer '{self.name}' (GroupNormalization) got axis={self.axis}, which is out of "
                f"bounds for input shape {tuple(input_shape)}."
            )
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Layer '{self.name}' (GroupNormalization): axis {self.axis} of the input should "
                f"have a defined dimension, got input shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = int(dim)
        if dim < self.groups:
            raise ValueError(
                f"Layer '{self.name}' (GroupNormalization): the number of groups ({self.groups}) "
                f"cannot be more than the number of channels ({dim})."
            )
        if dim % self.groups != 0:
            raise ValueError(
                f"Layer '{self.name}' (GroupNormalization): the number of channels ({dim}) must be "
                f"a multiple of the number of groups ({self.groups})."
            )
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: int(dim)})
        if self.scale:
            self.gamma = self.add_weight(shape=(int(dim),), name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=(int(dim),), name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        if not hasattr(self, "gamma"):
            self.gamma = None
        if not hasattr(self, "beta"):
            self.beta = None
        self._channel_dim = self.axis % rank
        self.built = True

    def call(self, inputs):
        """Normalize each group of channels of each example."""
        if not inputs.is_floating_point():
            inputs = inputs.float()
        c = self._channel_dim
        shape = list(inputs.shape)
        grouped_shape = shape[:c] + [self.groups, shape[c] // self.groups] + shape[c + 1:]
        grouped = inputs.reshape(grouped_shape)
        dims = [d for d in range(1, grouped.dim()) if d != c]
        variance, mean = torch.var_mean(grouped, dim=dims, keepdim=True, correction=0)
        inv = torch.rsqrt(variance + self.epsilon)
        param_shape = [1] * grouped.dim()
        param_shape[c], param_shape[c + 1] = self.groups, shape[c] // self.groups
        if self.gamma is not None:
            inv = inv * self.gamma.reshape(param_shape)
        offset = -mean * inv
        if self.beta is not None:
            offset = offset + self.beta.reshape(param_shape)
        return (grouped * inv + offset).reshape(shape)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras 3's GroupNormalization config."""
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, groups={self.groups}, axis={self.axis}"
