"""``Normalization``: feature-wise standardization with statistics given or learned by ``adapt``."""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from keraton import backend
from keraton.layers.layer import Layer, set_keras_layout


def _first_of_batch(batch):
    """The inputs of a batch given as ``(x, y)`` or ``(x, y, sample_weight)``."""
    return batch[0] if isinstance(batch, tuple) else batch


class Normalization(Layer):
    """Shift and scale inputs to mean 0 and variance 1 per feature, as ``keras.layers.Normalization``.

    Computes ``(x - mean) / max(sqrt(var), epsilon)`` (``invert=True``:
    ``mean + x * max(sqrt(var), epsilon)``) with statistics kept per entry of
    ``axis`` (the feature axes; ``None`` means one scalar mean and variance).
    The statistics are either given (``mean``, ``variance``: broadcast to the
    kept axes from the right, as Keras) or computed by ``adapt(data)`` from a
    NumPy array, a tensor, or an iterable of batches (lists, generators,
    ``DataLoader``s; ``(x, y)`` batches use ``x``).  Batches are merged with
    Keras's exact running mean/variance update.

    An adapted layer has Keras's three non-trainable weights
    ``[mean, variance, count]``; a layer given its statistics has none.

    Args:
        axis: int, tuple of ints, or ``None``: axes that keep their own statistics.
        mean, variance: fixed statistics (both or neither).
        invert: apply the inverse transformation.

    Example:
        >>> norm = keraton.layers.Normalization()
        >>> norm.adapt(np.array([[1.0], [3.0]]))
        >>> norm(torch.tensor([[2.0], [5.0]]))
        tensor([[0.], [3.]])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must be "
                f"set. Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "Normalization: the rank of `mean` must be less than or equal to the number "
                    f"of axes ({len(self.axis)}). Received mean shape {np.shape(mean)} for axis "
                    f"{self.axis}"
                )

    def build(self, input_shape) -> None:
        """Fix the kept and reduced axes; create the adapt weights or the fixed statistics."""
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Layer '{self.name}' (Normalization): all `axis` values must be in the range "
                f"[-ndim, ndim). Received inputs with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(d % ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Layer '{self.name}' (Normalization): all `axis` values to be kept must have "
                    f"a known size. Received axis={self.axis}, input shape "
                    f"{tuple(input_shape)}, with unknown axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(int(input_shape[d]) for d in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
            # Weight loaders may hand a scalar over as shape (1,) (np.ascontiguousarray does).
            set_keras_layout(self.count, lambda v: v, lambda v: v.reshape(()))
        else:
            mean = torch.as_tensor(np.asarray(self.input_mean), dtype=self._dtype)
            variance = torch.as_tensor(np.asarray(self.input_variance), dtype=self._dtype)
            expanded = [1] * ndim
            for i in range(1, mean.dim() + 1):  # align the given dims with the kept axes from the right
                expanded[self._keep_axis[-i]] = mean.shape[-i]
            self.register_buffer("_fixed_mean", mean.reshape(expanded).expand(self._broadcast_shape)
                                 .clone(), persistent=False)
            self.register_buffer("_fixed_variance", variance.reshape(expanded)
                                 .expand(self._broadcast_shape).clone(), persistent=False)
        self.built = True

    def adapt(self, data) -> None:
        """Compute the mean and variance of ``data`` over the reduced axes (Keras's ``adapt``)."""
        is_iterable = False
        if isinstance(data, (np.ndarray, torch.Tensor)):
            input_shape = tuple(data.shape)
        elif hasattr(data, "__iter__"):
            is_iterable = True
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError(
                    f"Layer '{self.name}' (Normalization): adapt() received an empty iterable (no "
                    "batches). Pass a non-empty iterable of arrays or tensors."
                )
            first = _first_of_batch(first)
            if not hasattr(first, "shape"):
                raise TypeError(
                    f"Layer '{self.name}' (Normalization): adapt() expects an iterable of arrays "
                    f"or tensors with a `.shape`; got an element of type {type(first).__name__}."
                )
            input_shape = tuple(first.shape)
            data = itertools.chain([first], iterator)
        else:
            raise TypeError(
                f"Layer '{self.name}' (Normalization): adapt() supports NumPy arrays, tensors and "
                f"iterables of batches; received {type(data).__name__}."
            )
        if self.input_mean is not None:
            raise ValueError(
                f"Layer '{self.name}' (Normalization) was given `mean` and `variance`; it cannot "
                "also be adapted. Create it without them to adapt."
            )
        if not self.built:
            self._maybe_build(input_shape)
        self._check_adapt_shape(input_shape)
        if not is_iterable:
            x = torch.as_tensor(np.asarray(data) if isinstance(data, np.ndarray) else data)
            x = x.to(torch.float64)
            if self._reduce_axis:
                total_var, total_mean = torch.var_mean(x, dim=self._reduce_axis, correction=0)
            else:
                total_mean, total_var = x, torch.zeros_like(x)
        else:
            total_mean = torch.zeros(self._mean_and_var_shape, dtype=torch.float64)
            total_var = torch.zeros(self._mean_and_var_shape, dtype=torch.float64)
            total_count = 0
            for batch in data:
                batch = torch.as_tensor(np.asarray(_first_of_batch(batch))
                                        if not isinstance(batch, torch.Tensor) else batch)
                self._check_adapt_shape(tuple(batch.shape))
                batch = batch.to(torch.float64)
                if self._reduce_axis:
                    batch_var, batch_mean = torch.var_mean(batch, dim=self._reduce_axis, correction=0)
                    batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
                else:
                    batch_mean, batch_var, batch_count = batch, torch.zeros_like(batch), 1
                total_count += batch_count
                batch_weight = batch_count / total_count
                existing_weight = 1.0 - batch_weight
                new_mean = total_mean * existing_weight + batch_mean * batch_weight
                # The lack-of-fit sum of squares merge, as Keras.
                total_var = ((total_var + (total_mean - new_mean) ** 2) * existing_weight
                             + (batch_var + (batch_mean - new_mean) ** 2) * batch_weight)
                total_mean = new_mean
        with torch.no_grad():
            self.adapt_mean.copy_(total_mean.to(self.adapt_mean.dtype))
            self.adapt_variance.copy_(total_var.to(self.adapt_variance.dtype))

    def _check_adapt_shape(self, shape) -> None:
        for d in self._keep_axis:
            if d >= len(shape) or shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"Layer '{self.name}' (Normalization) was built with input shape "
                    f"{self._build_input_shape}, but adapt() got data of incompatible shape {shape}."
                )

    @property
    def mean(self):
        """The mean used by ``call``, shaped to broadcast against the inputs (Keras's ``mean``).

        ``None`` until the layer is built; a constant tensor in the compute dtype,
        e.g. ``(1, 1, 1, 3)`` for images normalized per channel.
        """
        return self._statistic("mean")

    @property
    def variance(self):
        """The variance used by ``call``, shaped like :attr:`mean` (Keras's ``variance``)."""
        return self._statistic("variance")

    def _statistic(self, which):
        if not self.built:
            return None
        if self.input_mean is None:
            value = getattr(self, f"adapt_{which}").detach().reshape(self._broadcast_shape)
        else:
            value = getattr(self, f"_fixed_{which}")
        return value.to(backend.torch_dtype(self.compute_dtype))

    def call(self, inputs):
        """Standardize (or, with ``invert``, de-standardize) ``inputs``."""
        if self.input_mean is None:
            mean = self.adapt_mean.reshape(self._broadcast_shape)
            variance = self.adapt_variance.reshape(self._broadcast_shape)
        else:
            mean, variance = self._fixed_mean, self._fixed_variance
        inputs = inputs.to(self._dtype)
        std = torch.clamp(torch.sqrt(variance), min=backend.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras 3's Normalization config (the given statistics as lists)."""
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config
