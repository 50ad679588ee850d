"""``PreprocessingLayer``: tf.keras 2's base class of layers whose state is computed by ``adapt``.

Keras 2 public class (``tf.keras.layers.experimental.preprocessing.PreprocessingLayer``);
Keras 3 has no public equivalent.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import torch

from keraton.layers.layer import Layer


def _array_batches(data, batch_size):
    data = data if isinstance(data, torch.Tensor) else torch.as_tensor(np.asarray(data))
    if data.dim() == 0:
        raise ValueError(f"adapt() expects data with a batch axis; received a scalar {data!r}.")
    for start in range(0, data.shape[0], batch_size):
        yield data[start:start + batch_size]


class PreprocessingLayer(Layer):
    """Base class for layers adapted to data before training, as tf.keras 2's ``PreprocessingLayer``.

    A subclass writes three hooks, which ``adapt`` drives:

    * ``update_state(batch)``: accumulate statistics from one batch;
    * ``reset_state()``: forget them (``is_adapted`` becomes ``False``);
    * ``finalize_state()``: turn them into the layer's state after the last
      batch (optional).

    ``adapt(data, batch_size=None, steps=None)`` builds the layer from the
    first batch's shape if needed, resets the state when it is already built,
    feeds every batch (arrays and tensors are cut into ``batch_size`` rows,
    default 32; iterables such as a ``DataLoader`` or a generator give their
    own batches; ``steps`` stops after that many), then finalizes and sets
    ``is_adapted``.  ``compile(run_eagerly=None, steps_per_execution=None)``
    is accepted for tf.keras 2 programs; batches always run eagerly here.

    Example:
        >>> class Mean(PreprocessingLayer):
        ...     def build(self, input_shape):
        ...         self.total, self.count = 0.0, 0
        ...     def update_state(self, data):
        ...         self.total += float(data.sum()); self.count += data.numel()
        ...     def reset_state(self):
        ...         self.total, self.count = 0.0, 0
        ...     def finalize_state(self):
        ...         self.mean = self.total / self.count
        ...     def call(self, inputs):
        ...         return inputs - self.mean
        >>> layer = Mean(); layer.adapt(np.arange(10.0), batch_size=4); layer.mean
        4.5
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "reset_state" in cls.__dict__:
            reset = cls.__dict__["reset_state"]

            @functools.wraps(reset)
            def reset_state(self, *args, **kwargs):
                result = reset(self, *args, **kwargs)
                self._is_adapted = False
                return result

            cls.reset_state = reset_state

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_compiled = False
        self._is_adapted = False
        self._adapt_function = None
        self._run_eagerly = True
        self._steps_per_execution = 1

    @property
    def is_adapted(self) -> bool:
        """Whether the layer has been adapted (and not reset since)."""
        return self._is_adapted

    def update_state(self, data) -> None:
        """Accumulate statistics from one batch ``data`` (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state(data)` to be adapted.")

    def reset_state(self) -> None:
        """Reset the statistics of the layer (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `reset_state()` to be adapted.")

    def finalize_state(self) -> None:
        """Compute the layer's final state from the accumulated statistics (default: nothing)."""

    def compile(self, run_eagerly=None, steps_per_execution=None) -> None:
        """Configure ``adapt`` as tf.keras 2 (the settings are kept; batches run eagerly)."""
        self._steps_per_execution = 1 if steps_per_execution is None else int(steps_per_execution)
        self._run_eagerly = True if run_eagerly is None else bool(run_eagerly)
        self._adapt_function = None
        self._is_compiled = True

    def make_adapt_function(self):
        """The function taking an iterator of batches and adapting on ``steps_per_execution`` of them."""
        if self._adapt_function is not None:
            return self._adapt_function

        def adapt_step(iterator):
            for _ in range(self._steps_per_execution):
                data = next(iterator)
                self._adapt_maybe_build(data)
                self.update_state(data)

        self._adapt_function = adapt_step
        return adapt_step

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Fit the layer's state to ``data``, as tf.keras 2's ``PreprocessingLayer.adapt``."""
        if isinstance(data, (np.ndarray, torch.Tensor, list, tuple)):
            batches = _array_batches(data, 32 if batch_size is None else int(batch_size))
        elif hasattr(data, "__iter__"):
            if batch_size is not None:
                raise ValueError(f"Layer '{self.name}': `batch_size` should not be given when adapting on a "
                                 f"dataset, DataLoader or generator (they make their own batches); "
                                 f"received batch_size={batch_size}.")
            batches = iter(data)
        else:
            raise TypeError(f"Layer '{self.name}': adapt() takes an array, a tensor or an iterable of "
                            f"batches; received {type(data).__name__}.")
        if steps is not None:
            batches = itertools.islice(batches, int(steps))
        if not self._is_compiled:
            self.compile()
        if self.built:
            self.reset_state()
        adapt_function = self.make_adapt_function()
        iterator = iter(batches)
        while True:
            try:
                adapt_function(iterator)
            except StopIteration:
                break
        self.finalize_state()
        self._is_adapted = True

    def _adapt_maybe_build(self, data) -> None:
        if not self.built:
            shape = getattr(data, "shape", None)
            self.build(tuple(shape) if shape is not None else None)
            self.built = True
