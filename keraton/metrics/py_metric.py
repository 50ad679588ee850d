"""``PyMetric``: a metric whose state and arithmetic are plain Python/NumPy (tf.keras 2.15).

tf.keras 2's ``keras.metrics.experimental.PyMetric`` runs ``update_state`` and
``result`` outside the TensorFlow graph, on eager tensors, so that a metric
can be computed by any Python library (scikit-learn, SciPy...).  In keraton
every metric already runs eagerly; ``PyMetric`` adds the host side: its
``update_state`` receives NumPy arrays (on the CPU, detached from autograd)
and its ``result`` may return any Python or NumPy number, which the caller
gets back as a torch scalar of the metric's ``dtype``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import torch

from keraton.metrics.metric import Metric
from keraton.symbolic_scope import inferring_shapes

# Keyword arguments tf.keras 2's Layer (hence its Metric) accepted and keraton's metrics ignore.
_LAYER_KWARGS = ("trainable", "dynamic", "autocast")


class _HostArray(np.ndarray):
    """A NumPy array that also answers ``.numpy()``, as the eager tensors tf.keras 2 passed.

    Arithmetic on it gives plain NumPy arrays and scalars.
    """

    def numpy(self) -> np.ndarray:
        """The array itself, as a plain ``np.ndarray``."""
        return np.asarray(self)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        array = np.asarray(array)
        return array[()] if return_scalar else array


def _to_host(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        try:
            array = value.numpy()
        except TypeError:  # bfloat16, float8...: no NumPy dtype
            array = value.float().numpy()
        return array.view(_HostArray)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return type(value)((k, _to_host(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not any(isinstance(v, (torch.Tensor, Mapping)) for v in value):
            try:
                return np.asarray(value).view(_HostArray)
            except ValueError:  # ragged: convert item by item
                pass
        items = [_to_host(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return np.asarray(value).view(_HostArray)  # as tf.py_function makes tensors of its inputs


def _host_update_state(fn):
    @functools.wraps(fn)
    def update_state(self, *args, **kwargs):
        if inferring_shapes():  # placeholders of the functional API: Keras drops these updates
            return None
        args = [_to_host(a) for a in args]
        kwargs = {k: _to_host(v) for k, v in kwargs.items()}
        fn(self, *args, **kwargs)
        return None

    update_state._keraton_wrapped = True
    return update_state


def _tensor_result(fn):
    @functools.wraps(fn)
    def result(self):
        if self.__dict__.get("_in_result"):  # super().result() from a subclass: the raw value
            return fn(self)
        self.__dict__["_in_result"] = True
        try:
            value = fn(self)
        finally:
            self.__dict__["_in_result"] = False
        return self._to_result_tensor(value)

    result._keraton_py_result = True
    return result


class PyMetric(Metric):
    """A metric computed in Python on NumPy arrays, as tf.keras 2's ``keras.metrics.experimental.PyMetric``.

    Subclasses implement, with plain Python/NumPy state (attributes, not
    ``add_variable``):

    * ``reset_state()``: set the state; also called by ``__init__``;
    * ``update_state(y_true, y_pred, sample_weight=None)``: called with NumPy
      arrays (detached, on the CPU; they also have a ``.numpy()`` method, as
      the eager tensors of tf.keras 2);
    * ``result()``: a single number (Python, NumPy or 0-d array), returned to
      the caller as a torch scalar of ``dtype``; a dict is not allowed, as in
      tf.keras 2.

    ``merge_state`` is not provided (subclasses may implement it).  Use it in
    ``model.compile(metrics=[...])`` or on its own, like any metric.

    Args:
        name: name of the metric (default: the snake-cased class name).
        dtype: dtype of the result (default ``floatx()``).

    Example:

    >>> import numpy as np
    >>> class MedianAbsoluteError(PyMetric):
    ...     def __init__(self, name="median_absolute_error", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.errors.extend(np.abs(y_true - y_pred).ravel().tolist())
    ...     def reset_state(self):
    ...         self.errors = []
    ...     def result(self):
    ...         return np.median(self.errors)
    >>> m = MedianAbsoluteError()
    >>> m.update_state(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 5.0]))
    >>> float(m.result())
    0.5
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = sorted(set(kwargs) - set(_LAYER_KWARGS))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {unknown}; "
                            "a PyMetric takes `name` and `dtype`.")
        super().__init__(dtype=dtype, name=name)
        self.reset_state()

    def __init_subclass__(cls, **kwargs):
        fn = cls.__dict__.get("update_state")
        if fn is not None and not getattr(fn, "_keraton_wrapped", False):
            cls.update_state = _host_update_state(fn)
        fn = cls.__dict__.get("result")
        if fn is not None and not getattr(fn, "_keraton_py_result", False):
            cls.result = _tensor_result(fn)
        super().__init_subclass__(**kwargs)

    def _to_result_tensor(self, value) -> torch.Tensor:
        if isinstance(value, Mapping):
            raise TypeError(f"{type(self).__name__}.result() returned a dict; a PyMetric's result "
                            "must be a single number (as in tf.keras 2).")
        if isinstance(value, torch.Tensor):
            return value.detach().to(self._torch_dtype)
        return torch.as_tensor(np.asarray(value, dtype=np.float64)).to(self._torch_dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate one batch (NumPy arrays); implemented by subclasses."""
        raise NotImplementedError("Subclasses should implement `update_state`")

    def result(self):
        """The metric value from the Python state; implemented by subclasses."""
        raise NotImplementedError("Subclasses should implement `result`")

    def reset_state(self):
        """Set the Python state; implemented by subclasses, called by ``__init__`` too."""
        raise NotImplementedError("Subclasses should implement `reset_state`")

    def merge_state(self, metrics):
        """Merge the states of ``metrics`` into this one; subclasses that support it implement it."""
        raise NotImplementedError("Subclasses should implement `merge_state`")
