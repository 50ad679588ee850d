"""``SpectralNormalization``: keep a wrapped layer's kernel at spectral norm 1 (power iteration)."""

from __future__ import annotations

import numpy as np
import torch

from keraton import initializers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer, _call_accepts, _unique, assign_keras_value, keras_value
from keraton.utils.numerical_utils import normalize


class SpectralNormalization(Layer):
    """Spectral normalization of a wrapped kernel, as ``keras.layers.SpectralNormalization``.

    Wraps a layer that has a ``kernel`` (``Dense``, ``Conv2D``, ...) or an
    ``embeddings`` weight (``Embedding``).  In a training call the kernel (in
    Keras's layout, reshaped to ``(-1, kernel.shape[-1])``) is divided in place
    by its largest singular value, estimated with ``power_iterations`` steps of
    power iteration from the non-trainable ``vector_u`` (Miyato et al., 2018);
    ``vector_u`` keeps the estimate for the next step.  As in Keras the update
    is an assignment, not part of the autograd graph, an all-zero kernel is
    left alone, and inference calls use the kernel as it is.

    The weights are ordered as Keras orders them, ``[kernel, vector_u, *the
    wrapped layer's other weights]``, and a ``.keras`` file holds ``kernel``
    and ``vector_u`` as this layer's own variables (and the kernel again under
    the wrapped layer), so files move both ways with Keras.

    Args:
        layer: the ``keraton.layers.Layer`` to wrap.
        power_iterations: power iteration steps per training call (> 0).

    Example:
        >>> sn = keraton.layers.SpectralNormalization(keraton.layers.Dense(4))
        >>> sn(torch.ones(2, 3), training=True).shape
        torch.Size([2, 4])
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer!r} supplied to Wrapper isn't a supported layer type. Please ensure "
                "wrapped layer is a valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer
        if power_iterations <= 0:
            raise ValueError(
                "`power_iterations` should be greater than zero. Received: "
                f"`power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    @property
    def kernel(self):
        """The wrapped layer's ``kernel`` (or ``embeddings``): the weight this layer normalizes."""
        kernel = getattr(self.layer, "kernel", None)
        return kernel if kernel is not None else getattr(self.layer, "embeddings", None)

    def build(self, input_shape) -> None:
        """Build the wrapped layer, then create ``vector_u`` of shape ``(1, kernel.shape[-1])``."""
        self.layer._maybe_build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if self.kernel is None:
            raise ValueError(
                f"Layer '{self.name}' (SpectralNormalization): {type(self.layer).__name__} object "
                "has no attribute 'kernel' nor 'embeddings'. Wrap a layer such as Dense, Conv2D "
                "or Embedding."
            )
        self.kernel_shape = tuple(keras_value(self.kernel).shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]), initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False, name="vector_u", dtype=self.kernel.dtype)
        self.built = True

    @property
    def weights(self) -> list:
        """``[kernel, vector_u, *the wrapped layer's other weights]``, Keras's order."""
        kernel = [self.kernel] if self.built else []
        return _unique(kernel + self._own_weights + self.layer.weights)

    variables = weights

    def call(self, inputs, training=False):
        """Normalize the kernel when ``training``, then run the wrapped layer."""
        if training:
            with torch.no_grad():
                kernel = keras_value(self.kernel)
                if bool(kernel.ne(0).any()):
                    vector_u, kernel = self.normalized_weights()
                    self.vector_u.copy_(vector_u)
                    assign_keras_value(self.kernel, kernel)
        kwargs = {"training": training} if _call_accepts(type(self.layer), "training") else {}
        output = self.layer(inputs, **kwargs)
        # Keras casts to the input dtype, which would turn Embedding's vectors into integers.
        return output.to(inputs.dtype) if inputs.is_floating_point() else output

    def normalized_weights(self):
        """``(vector_u, kernel / sigma)``: one power-iteration update, kernel in Keras's layout."""
        kernel = keras_value(self.kernel)
        weights = kernel.reshape(-1, self.kernel_shape[-1])
        vector_u = self.vector_u.detach()
        for _ in range(self.power_iterations):
            vector_v = normalize(vector_u @ weights.T, axis=None)
            vector_u = normalize(vector_v @ weights, axis=None)
        sigma = vector_v @ weights @ vector_u.T
        return vector_u.to(self.vector_u.dtype), (kernel / sigma).reshape(self.kernel_shape)

    def compute_output_shape(self, input_shape):
        """The wrapped layer's output shape."""
        return self.layer.compute_output_shape(input_shape)

    def save_own_variables(self, store) -> None:
        """Keras's own variables: the wrapped kernel (Keras's layout) and ``vector_u``."""
        if self.built:
            store["0"] = keras_value(self.kernel).cpu().numpy()
            store["1"] = self.vector_u.detach().cpu().numpy()

    def load_own_variables(self, store) -> None:
        """Read what :meth:`save_own_variables` wrote, checking the shapes first."""
        if not self.built:
            return
        if len(store) != 2:
            raise ValueError(
                f"Layer '{self.name}' (SpectralNormalization) expects 2 saved variables (kernel, "
                f"vector_u), but the file holds {len(store)}."
            )
        kernel, vector_u = np.asarray(store["0"]), np.asarray(store["1"])
        for name, value, want in (("kernel", kernel, self.kernel_shape),
                                  ("vector_u", vector_u, tuple(self.vector_u.shape))):
            if tuple(value.shape) != want:
                raise ValueError(
                    f"Layer '{self.name}' (SpectralNormalization): saved {name} has shape "
                    f"{tuple(value.shape)}, expected {want}."
                )
        assign_keras_value(self.kernel, torch.from_numpy(kernel))
        assign_keras_value(self.vector_u, torch.from_numpy(vector_u))

    def get_config(self) -> dict:
        """Keras 3's config: the serialized wrapped layer and ``power_iterations``."""
        from keraton.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({"layer": serialize_keras_object(self.layer),
                       "power_iterations": self.power_iterations})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild with the wrapped layer deserialized."""
        from keraton.layers.rnn.rnn import deserialize_layer

        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, power_iterations={self.power_iterations}"
