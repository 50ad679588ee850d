"""``RandomFourierFeatures``: tf.keras 2's random feature map approximating an RBF kernel.

Keras 2 layer (``tf.keras.layers.experimental.RandomFourierFeatures``, module
``keras.layers.kernelized``), removed in Keras 3.
"""

from __future__ import annotations

import math

import torch

from keraton import initializers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object

_RBF_KERNELS = ("gaussian", "laplacian")


class _CauchyInitializer:
    """Standard Cauchy samples: the spectral density of the Laplacian kernel (tf.keras 2's 'laplacian')."""

    def __call__(self, shape, dtype=None):
        uniform = torch.rand(tuple(shape), dtype=torch.float64)
        return torch.tan(math.pi * (uniform - 0.5)).to(dtype or torch.float32)


class RandomFourierFeatures(Layer):
    """Project inputs onto random Fourier features, as tf.keras 2's ``layers.experimental.RandomFourierFeatures``.

    ``outputs = cos(inputs @ unscaled_kernel / kernel_scale + bias)``, the
    Rahimi-Recht map whose inner products approximate a shift-invariant
    kernel: Gaussian (``kernel_initializer='gaussian'``, kernel entries from
    N(0, 1)) or Laplacian (``'laplacian'``, standard Cauchy entries); any
    initializer picks another kernel.  As tf.keras 2, the ``sqrt(2 / output_dim)``
    factor of the paper is *not* applied, and the bias is uniform in
    ``[0, 2 pi)``.  ``unscaled_kernel`` and ``bias`` never train; the scalar
    ``kernel_scale`` (kept non-negative) trains only when the layer is
    ``trainable`` (default ``False``).  Weights come in tf.keras 2's order:
    ``kernel_scale``, ``unscaled_kernel``, ``bias``.

    Args:
        output_dim: number of random features (positive integer).
        kernel_initializer: ``'gaussian'`` (default), ``'laplacian'`` (case
            insensitive), or an initializer for the ``(input_dim, output_dim)`` kernel.
        scale: initial ``kernel_scale`` (positive); ``None`` means
            ``sqrt(input_dim / 2)`` for ``'gaussian'``, else 1.0 (set at build, and
            then written to the config, as tf.keras 2).
        trainable: whether ``kernel_scale`` is learned.

    Input shape: ``(batch, input_dim)``.  Output shape: ``(batch, output_dim)``.

    Example:
        >>> layer = keraton.layers.experimental.RandomFourierFeatures(16, scale=2.0)
        >>> layer(torch.rand(4, 3)).shape
        torch.Size([4, 16])
    """

    def __init__(self, output_dim, kernel_initializer="gaussian", scale=None, trainable=False, name=None,
                 **kwargs):
        if isinstance(output_dim, bool) or not isinstance(output_dim, int) or output_dim <= 0:
            raise ValueError(f"RandomFourierFeatures: `output_dim` should be a positive integer. "
                             f"Received: output_dim={output_dim!r}")
        if isinstance(kernel_initializer, str) and kernel_initializer.lower() not in _RBF_KERNELS:
            raise ValueError(f"RandomFourierFeatures: unsupported `kernel_initializer` {kernel_initializer!r}; "
                             f"expected one of {list(_RBF_KERNELS)} or an initializer.")
        if scale is not None and scale <= 0.0:
            raise ValueError(f"RandomFourierFeatures: when provided, `scale` should be a positive float. "
                             f"Received: scale={scale!r}")
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.output_dim = output_dim
        self.kernel_initializer = kernel_initializer
        self.scale = scale

    def build(self, input_shape) -> None:
        """Create ``kernel_scale``, ``unscaled_kernel`` ``(input_dim, output_dim)`` and ``bias``."""
        if len(input_shape) != 2:
            raise ValueError(f"Layer '{self.name}' (RandomFourierFeatures) expects inputs of rank 2 "
                             f"(batch, input_dim); received input shape {tuple(input_shape)}.")
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}' (RandomFourierFeatures): the last dimension of the input "
                             f"must be defined; received input shape {tuple(input_shape)}.")
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim})
        if self.scale is None:
            gaussian = isinstance(self.kernel_initializer, str) and self.kernel_initializer.lower() == "gaussian"
            self.scale = math.sqrt(input_dim / 2.0) if gaussian else 1.0
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=(1,),
                                            initializer=initializers.Constant(self.scale),
                                            trainable=True, constraint="non_neg")
        self.unscaled_kernel = self.add_weight(name="unscaled_kernel", shape=(input_dim, self.output_dim),
                                               initializer=self._kernel_initializer(), trainable=False)
        self.bias = self.add_weight(name="bias", shape=(self.output_dim,),
                                    initializer=initializers.RandomUniform(0.0, 2 * math.pi), trainable=False)
        self.built = True

    def _kernel_initializer(self):
        if isinstance(self.kernel_initializer, str):
            if self.kernel_initializer.lower() == "gaussian":
                return initializers.RandomNormal(stddev=1.0)
            return _CauchyInitializer()
        return initializers.get(self.kernel_initializer)

    def call(self, inputs):
        """``cos(inputs @ (unscaled_kernel / kernel_scale) + bias)`` in float32."""
        inputs = torch.as_tensor(inputs).to(torch.float32)
        kernel = self.unscaled_kernel * (1.0 / self.kernel_scale)
        return torch.cos(inputs @ kernel + self.bias)

    def compute_output_shape(self, input_shape):
        """``(batch, output_dim)``."""
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(f"Layer '{self.name}' (RandomFourierFeatures) expects inputs of shape "
                             f"(batch, input_dim) with input_dim defined; received {tuple(input_shape)}.")
        return (input_shape[0], self.output_dim)

    def get_config(self) -> dict:
        """tf.keras 2's config: ``output_dim``, ``kernel_initializer``, ``scale``."""
        config = super().get_config()
        kernel_initializer = self.kernel_initializer
        if not isinstance(kernel_initializer, str):
            kernel_initializer = serialize_keras_object(kernel_initializer)
        config.update({"output_dim": self.output_dim, "kernel_initializer": kernel_initializer,
                       "scale": self.scale})
        return config
