"""``keras.Variable``: a ``torch.nn.Parameter`` with Keras 3's variable API.

Every weight a layer creates with ``add_weight`` and every metric state is a
:class:`Variable`.  It *is* a torch tensor (a ``Parameter`` subclass with
``__torch_function__`` disabled, like ``Parameter`` itself), so torch ops,
optimizers, ``torch.compile``, ``torch.export`` and DDP see an ordinary
parameter and ops on it return plain tensors at no extra cost.  On top it has
what Keras code calls on variables: ``assign``/``assign_add``/``assign_sub``,
``value``, ``numpy()``, ``name``, ``path``, ``trainable``, ``aggregation``,
``constraint``, ``regularizer``.  Shapes are Keras's, conv and RNN kernels
included (``Conv2D.kernel.shape`` is ``(kh, kw, in, out)``); those kernels are
stored in torch's memory order, so they are non-contiguous tensors whose
torch-layout views cost no copy.

Kept from torch: ``variable.dtype`` is a ``torch.dtype`` (Keras gives the name
string); ``keras.backend.standardize_dtype(v.dtype)`` and ``keras.ops.dtype(v)``
give the name.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from keraton import backend
from keraton.layers.weight_layout import keras_shape, keras_value
from keraton.name_scopes import join_path
from keraton.symbolic_scope import inferring_shapes

# Keras 3 variables' aggregations, plus keraton's "max" and "min" (for metric states).
_AGGREGATIONS = (None, "none", "sum", "mean", "only_first_replica", "max", "min")
_CONCRETE = (torch.Tensor, np.ndarray, list, tuple, int, float, bool, np.generic)


def _initial_value(initializer, shape, dtype) -> torch.Tensor:
    """The starting value of a variable: a concrete value, or ``initializer(shape, dtype)``."""
    if isinstance(initializer, _CONCRETE):
        torch_dtype = None if dtype is None else backend.torch_dtype(dtype)
        if isinstance(initializer, torch.Tensor):
            value = initializer.detach().clone()
        else:
            from keraton.ops._utils import convert_to_tensor

            value = convert_to_tensor(initializer).clone()
        if torch_dtype is not None:
            value = value.to(torch_dtype)
        elif value.is_floating_point():
            value = value.to(backend.torch_dtype(None))
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(
                "Variable: the initial value's shape does not match `shape`: expected "
                f"{tuple(shape)}, received a value of shape {tuple(value.shape)}. Pass a value "
                "of that shape, or leave `shape` out.")
        return value
    if shape is None:
        raise ValueError(
            f"Variable: an initializer such as {initializer!r} needs a `shape`; pass "
            "`shape=` or give a concrete initial value (an array or a tensor) instead.")
    from keraton import initializers

    torch_dtype = backend.torch_dtype(dtype)
    init = initializers.get(initializer)
    value = init(tuple(int(d) for d in shape), dtype=torch_dtype)
    return torch.as_tensor(value, dtype=torch_dtype).reshape(tuple(shape)).clone()


class Variable(nn.Parameter):
    """A Keras 3 variable that is a ``torch.nn.Parameter`` (``keras.Variable``).

    ``Variable(initializer, shape=None, dtype=None, trainable=True,
    autocast=True, aggregation="none", synchronization="auto", name=None)``:
    ``initializer`` is a value (tensor, array, number, list) or an initializer
    name/callable used with ``shape``.  Integer and bool variables never take
    gradients.  Assigned to an attribute of a keraton ``Layer`` it is tracked
    as one of the layer's weights, as in Keras.
    """

    def __new__(cls, initializer=None, shape=None, dtype=None, trainable=True, autocast=True,
                aggregation="none", synchronization="auto", name=None):
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"Variable: invalid value for argument `aggregation`. Expected one of "
                f"{_AGGREGATIONS}. Received: aggregation={aggregation!r}")
        value = _initial_value(initializer, shape, dtype)
        name = name or "variable"
        variable = cls._wrap(value, trainable=bool(trainable), name=name, path=join_path(name))
        variable._keras_autocast = bool(autocast)
        variable._keras_aggregation = aggregation or "none"
        variable._keras_synchronization = synchronization
        return variable

    def __init__(self, *args, **kwargs):
        pass  # everything happens in __new__ (torch tensors are built there)

    @classmethod
    def _wrap(cls, tensor: torch.Tensor, trainable: bool = True, name: str = "variable",
              layer: str | None = None, path: str | None = None) -> Variable:
        """A variable sharing ``tensor``'s storage (no copy); keraton's internal constructor.

        ``layer``: the owning layer's name (tf.keras 2's ``.h5`` weight names use it);
        ``path``: the full Keras path (default ``<layer>/<name>``).
        """
        requires_grad = trainable and (tensor.is_floating_point() or tensor.is_complex())
        variable = torch.Tensor._make_subclass(cls, tensor.detach(), requires_grad)
        variable._keras_name = name
        variable._keras_layer = layer
        variable._keras_path = path
        variable._keras_trainable = bool(trainable)
        return variable

    # ------------------------------------------------------------ Keras attributes
    @property
    def name(self) -> str:
        """The variable's name (``"kernel"``), as given at creation."""
        return self.__dict__.get("_keras_name") or "variable"

    @property
    def path(self) -> str:
        """The name scopes open at creation and the name: ``"sequential/dense/kernel"`` (Keras 3)."""
        path = self.__dict__.get("_keras_path")
        if path:
            return path
        layer = self.__dict__.get("_keras_layer")
        return f"{layer}/{self.name}" if layer else self.name

    @property
    def value(self) -> torch.Tensor:
        """The variable as a tensor (itself: a keraton variable is its own value)."""
        return self

    @property
    def trainable(self) -> bool:
        """Whether optimizers update this variable; setting it also sets ``requires_grad``."""
        return self.__dict__.get("_keras_trainable", self.requires_grad)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._keras_trainable = bool(value)
        if self.is_floating_point() or self.is_complex():
            self.requires_grad_(bool(value))

    @property
    def aggregation(self) -> str:
        """How distributed training combines this variable over replicas (Keras 3 names)."""
        return self.__dict__.get("_keras_aggregation", "none")

    @property
    def synchronization(self) -> str:
        """Keras's synchronization setting, kept for configs (no effect on torch)."""
        return self.__dict__.get("_keras_synchronization", "auto")

    @property
    def autocast(self) -> bool:
        """Whether mixed precision may cast this variable to the compute dtype."""
        return self.__dict__.get("_keras_autocast", True)

    @property
    def constraint(self):
        """The constraint applied after each optimizer update, or ``None``."""
        return self.__dict__.get("_keras_constraint")

    @constraint.setter
    def constraint(self, value) -> None:
        from keraton import constraints

        self._keras_constraint = constraints.get(value)

    @property
    def regularizer(self):
        """The weight regularizer whose penalty joins the loss, or ``None``."""
        return self.__dict__.get("_keras_regularizer")

    @regularizer.setter
    def regularizer(self, value) -> None:
        from keraton import regularizers

        self._keras_regularizer = regularizers.get(value)

    # ------------------------------------------------------------ assignment
    def _as_value(self, value, method: str) -> torch.Tensor:
        from keraton.ops._utils import convert_to_tensor

        value = convert_to_tensor(value)
        from_keras = self.__dict__.get("_from_keras")
        shape = keras_shape(self)
        if tuple(value.shape) != shape and value.dim() != 0:
            raise ValueError(
                f"The shape of the target variable and the shape of the target value in "
                f"`variable.{method}(value)` must match. variable.shape={shape}, "
                f"Received: value.shape={tuple(value.shape)}. Target variable: {self.path}")
        if from_keras is not None:
            value = from_keras(torch.broadcast_to(value, shape))
        return value.to(device=self.device, dtype=self.dtype)

    def assign(self, value) -> Variable:
        """Set the variable to ``value`` in place (same shape), outside autograd; returns it.

        As in Keras, an update made while a layer's output shapes are inferred
        (its ``call`` run on placeholders by the functional API) is dropped.
        """
        value = self._as_value(value, "assign")
        if not inferring_shapes():
            with torch.no_grad():
                self.copy_(value)
        return self

    def assign_add(self, value) -> Variable:
        """Add ``value`` to the variable in place; returns it (dropped during shape inference)."""
        value = self._as_value(value, "assign_add")
        if not inferring_shapes():
            with torch.no_grad():
                self.add_(value)
        return self

    def assign_sub(self, value) -> Variable:
        """Subtract ``value`` from the variable in place; returns it (dropped during shape inference)."""
        value = self._as_value(value, "assign_sub")
        if not inferring_shapes():
            with torch.no_grad():
                self.sub_(value)
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The value as a NumPy array, in Keras's layout (works on trainable variables too)."""
        return keras_value(self).cpu().numpy()

    # ------------------------------------------------------------ copying, pickling, repr
    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = torch.Tensor._make_subclass(
            type(self), self.data.clone(memory_format=torch.preserve_format), self.requires_grad)
        memo[id(self)] = result
        result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return result

    def __reduce_ex__(self, proto):
        state = {k: v for k, v in self.__dict__.items()}
        return (_rebuild_variable, (type(self), self.data, self.requires_grad, state))

    def __repr__(self) -> str:
        value = np.array2string(self.numpy(), threshold=20, separator=", ")
        return (f"<Variable path={self.path}, shape={tuple(self.shape)}, "
                f"dtype={backend.dtype_name(self.dtype)}, value={value}>")


def _rebuild_variable(cls, data, requires_grad, state):
    variable = torch.Tensor._make_subclass(cls, data, requires_grad)
    variable.__dict__.update(state)
    return variable


def rewrap(tensor: torch.Tensor, like: Variable) -> Variable:
    """``tensor`` (``like`` moved to another device, say) as a variable with ``like``'s
    attributes."""
    if tensor is like:
        return like
    variable = torch.Tensor._make_subclass(type(like), tensor.detach(), like.requires_grad)
    variable.__dict__.update(like.__dict__)
    return variable
