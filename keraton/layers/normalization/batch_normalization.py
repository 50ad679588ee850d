"""``BatchNormalization``: normalize with batch statistics in training, moving ones in inference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import backend, constraints, initializers, regularizers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class BatchNormalization(Layer):
    """Batch normalization with Keras 3's semantics, as ``keras.layers.BatchNormalization``.

    In training (inside ``fit`` or with ``training=True``) the output is
    ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the mean and the
    *biased* variance of the batch over every axis but ``axis``, and the moving
    statistics are updated as ``moving = moving * momentum + batch * (1 -
    momentum)``, with the biased variance (torch's ``BatchNorm`` would use the
    unbiased one, so the update is written here).  In inference the moving
    statistics are used.  A layer with ``trainable=False`` always runs in
    inference mode, as in Keras 3 (the usual fine-tuning behaviour).

    A mask of rank ``input rank - 1`` (e.g. ``(batch, timesteps)``) restricts
    the batch statistics to the unmasked positions, as Keras.

    Args:
        axis: the features axis (normalized per entry of this axis).
        momentum: momentum of the moving statistics.
        epsilon: added to the variance before the square root.
        center, scale: whether to learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.
        synchronized: accepted and ignored (single-process).
        renorm: only ``False`` is supported.
        fused: tf.keras 2's argument, accepted and ignored.

    Weights: ``[gamma, beta, moving_mean, moving_variance]``, the last two
    non-trainable.

    Shape:
        any input with the features on ``axis``; the output has the same shape.

    Example:
        >>> bn = keraton.layers.BatchNormalization()
        >>> y = bn(torch.randn(8, 3), training=True)
        >>> bn.moving_mean.shape
        torch.Size([3])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        kwargs.pop("fused", None)  # tf.keras 2's kernel choice; it does not change the result
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]  # Keras 2 configs may hold a one-element list
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"BatchNormalization 'axis' must be an int, got {axis!r} "
                f"(of type {type(axis).__name__})."
            )
        if renorm:
            raise ValueError(
                "BatchNormalization(renorm=True) is not supported by keraton; use renorm=False."
            )
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Create ``gamma``, ``beta`` (trainable) and the moving statistics (non-trainable)."""
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization) got axis={self.axis}, which is out of "
                f"bounds for input shape {tuple(input_shape)}."
            )
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization) needs a known size on axis {self.axis}, "
                f"got input shape {tuple(input_shape)}."
            )
        shape = (int(dim),)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        if not hasattr(self, "gamma"):
            self.gamma = None
        if not hasattr(self, "beta"):
            self.beta = None
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: int(dim)})
        self._channel_dim = self.axis % rank
        self._reduction_axes = [i for i in range(rank) if i != self._channel_dim]
        self.built = True

    def call(self, inputs, training=None, mask=None):
        """Normalize with batch statistics (and update the moving ones) or with the moving ones."""
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization): the mask must have one dimension less "
                f"than the inputs, got mask shape {tuple(mask.shape)} for inputs of shape "
                f"{tuple(inputs.shape)}."
            )
        if not inputs.is_floating_point():
            inputs = inputs.to(self.moving_mean.dtype)
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            with torch.no_grad():
                m = self.momentum
                self.moving_mean.mul_(m).add_(mean.detach().to(self.moving_mean.dtype), alpha=1 - m)
                self.moving_variance.mul_(m).add_(
                    variance.detach().to(self.moving_variance.dtype), alpha=1 - m)
        else:
            mean, variance = self.moving_mean, self.moving_variance
            if self._channel_dim == 1:
                # torch's fused inference kernel computes the same affine map.
                return F.batch_norm(inputs, mean, variance, self.gamma, self.beta, False, 0.0,
                                    self.epsilon)
        shape = [1] * inputs.dim()
        shape[self._channel_dim] = -1
        inv = torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma
        offset = -mean * inv
        if self.beta is not None:
            offset = offset + self.beta
        return torch.addcmul(offset.reshape(shape), inputs, inv.reshape(shape))

    def _moments(self, inputs, mask):
        """Batch mean and biased variance over every axis but ``axis`` (masked positions excluded)."""
        axes = self._reduction_axes
        if mask is None:
            variance, mean = torch.var_mean(inputs, dim=axes, correction=0)
            return mean, variance
        weights = mask.unsqueeze(-1).expand(inputs.shape).to(inputs.dtype)
        count = weights.sum(dim=axes) + backend.epsilon()
        mean = (inputs * weights).sum(dim=axes) / count
        shape = [1] * inputs.dim()
        shape[self._channel_dim] = -1
        variance = ((inputs - mean.reshape(shape)).square() * weights).sum(dim=axes) / count
        return mean, variance

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras 3's BatchNormalization config."""
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "moving_mean_initializer": serialize_keras_object(self.moving_mean_initializer),
            "moving_variance_initializer": serialize_keras_object(self.moving_variance_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, axis={self.axis}, momentum={self.momentum}, epsilon={self.epsilon}"
