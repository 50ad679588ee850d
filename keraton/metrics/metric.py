"""The ``Metric`` base class: stateful, streaming metrics on torch tensors.

Matches ``keras.metrics.Metric`` of Keras 3: ``update_state`` accumulates,
``result`` reads, ``reset_state`` zeroes, calling the metric does both.  State
variables are :class:`keraton.Variable` tensors made by
:meth:`Metric.add_variable` (``assign``/``assign_add`` as in Keras) and updated
in place; they follow the device of the first update's inputs.  Every
``update_state`` (also in user subclasses) runs under ``torch.no_grad()`` so a
metric never holds on to the autograd graph, and nothing in it reads a value
back to the host: results are read only when the caller asks for them.
"""

from __future__ import annotations

import functools

import torch

from keraton import backend
from keraton.name_scopes import join_path, name_scope
from keraton.symbolic_scope import inferring_shapes
from keraton.variables import _AGGREGATIONS, Variable, rewrap


def _first_tensor(args, kwargs):
    for value in reversed(args):
        if isinstance(value, torch.Tensor):
            return value
    for key in ("y_pred", "values", "y_true"):
        value = kwargs.get(key)
        if isinstance(value, torch.Tensor):
            return value
    return None


def _wrap_update_state(fn):
    @functools.wraps(fn)
    def update_state(self, *args, **kwargs):
        if inferring_shapes():  # placeholders of the functional API: Keras drops these updates
            return None
        ref = _first_tensor(args, kwargs)
        if ref is not None and ref.device != self._device:
            self._move_to(ref.device)
        with torch.no_grad():
            return fn(self, *args, **kwargs)

    update_state._keraton_wrapped = True
    return update_state


def _initial_value(initializer, shape, dtype, device):
    if initializer is None or initializer == "zeros":
        return torch.zeros(shape, dtype=dtype, device=device)
    if initializer == "ones":
        return torch.ones(shape, dtype=dtype, device=device)
    if isinstance(initializer, (int, float)):
        return torch.full(shape, float(initializer), dtype=dtype, device=device)
    if isinstance(initializer, str):
        raise ValueError(f"Unknown metric variable initializer {initializer!r}: use 'zeros', "
                         "'ones', a number or a callable (shape, dtype) -> tensor.")
    value = initializer(tuple(shape), dtype=dtype)
    return torch.as_tensor(value, dtype=dtype).to(device).reshape(shape).clone()


class Metric:
    """Base class of keraton metrics, as ``keras.metrics.Metric``.

    Subclasses create state in ``__init__`` with :meth:`add_variable` and
    implement ``update_state(*args, sample_weight=None)`` and ``result()``.
    ``dtype`` defaults to ``floatx()``; ``name`` defaults to the snake-cased
    class name, made unique (``auc``, ``auc_1``...) as in Keras.  Keras's
    positional order is ``(dtype, name)``; ``Metric("my_name")`` and
    ``Metric("my_name", "float64")`` are understood too (a first argument that
    is not a dtype name is the name).
    """

    def __init__(self, dtype=None, name=None):
        if isinstance(dtype, str) and dtype not in backend._DTYPES and (
                name is None or (isinstance(name, str) and name in backend._DTYPES)):
            dtype, name = name, dtype  # called as Metric(name) or Metric(name, dtype)
        self.name = name or backend.unique_object_name(backend.to_snake_case(type(self).__name__))
        self._torch_dtype = backend.torch_dtype(dtype)
        self._dtype = backend.dtype_name(self._torch_dtype)
        self._variables = []
        self._variable_aggregations = []  # per state, for the reduction over processes
        self._metrics = []
        self._device = torch.device("cpu")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("update_state")
        if fn is not None and not getattr(fn, "_keraton_wrapped", False):
            cls.update_state = _wrap_update_state(fn)

    @property
    def dtype(self) -> str:
        """Name of the dtype of the metric's state and result (``'float32'`` by default)."""
        return self._dtype

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Create a state tensor (zeros by default) on the metric's device and track it.

        ``aggregation`` says how a distributed ``fit``/``evaluate`` combines the
        state over processes: ``"sum"`` (default), ``"mean"``,
        ``"only_first_replica"``, ``"none"``/``None`` (not combined), as Keras
        3's variables, plus ``"max"`` and ``"min"`` (keraton extension, for
        states such as a running maximum).
        """
        if not hasattr(self, "_variables"):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               "method of your metric. Go add it!")
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"{type(self).__name__}.add_variable: invalid value for argument `aggregation`. "
                f"Expected one of {_AGGREGATIONS}. Received: aggregation={aggregation!r}")
        dtype = self._torch_dtype if dtype is None else backend.torch_dtype(dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        name = name or "variable"
        with name_scope._for(self.name.replace("/", ">"), self):
            path = join_path(name)
        value = Variable._wrap(_initial_value(initializer, shape, dtype, self._device),
                               trainable=False, name=name, layer=self.name, path=path)
        value._keras_aggregation = aggregation or "none"
        self._variables.append(value)
        self.__dict__.setdefault("_variable_aggregations", []).append(aggregation or "none")
        return value

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None, aggregation="sum",
                   synchronization=None):
        """Alias of :meth:`add_variable` in Keras 3's order; Keras 2's ``add_weight(name, ...)``
        (a string first argument) is understood too."""
        if isinstance(shape, str):  # Keras 2: add_weight(name, shape=(), ...)
            shape, name = (), shape
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    def track_metric(self, metric):
        """Register a sub-metric whose variables count as this metric's variables."""
        self._metrics.append(metric)
        return metric

    @property
    def variables(self) -> list:
        """The state tensors of this metric and of its sub-metrics."""
        out = list(self._variables)
        for metric in self._metrics:
            out.extend(metric.variables)
        return out

    def _move_to(self, device):
        """Move every state tensor to ``device``, rebinding attributes that held them."""
        device = torch.device(device)
        moved = {}
        for i, value in enumerate(self._variables):
            new = rewrap(value.to(device), like=value)
            moved[id(value)] = new
            self._variables[i] = new
        for key, value in list(self.__dict__.items()):
            if isinstance(value, torch.Tensor) and id(value) in moved:
                self.__dict__[key] = moved[id(value)]
            elif isinstance(value, torch.Tensor) and value.device != device and key.startswith("_cache"):
                self.__dict__[key] = value.to(device)
        for metric in self._metrics:
            metric._move_to(device)
        self._device = device

    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """Return the metric value as a tensor; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Set every state tensor back to zero, as Keras's ``reset_state``."""
        with torch.no_grad():
            for value in self.variables:
                value.zero_()

    def reset_states(self):
        """Keras 2 alias of :meth:`reset_state`."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the new result, as Keras."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """Return ``{'name', 'dtype'}``, as Keras's ``Metric.get_config``."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Rebuild the metric from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__
