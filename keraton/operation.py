"""``keraton.Operation``: Keras 3's base class for custom operations (``keras.Operation``).

A subclass writes ``call`` (and usually ``compute_output_spec``).  Called on
tensors, the operation runs ``call``; called on ``KerasTensor``s (between
``keras.Input`` and ``keras.Model``) it records a graph node whose output is
``compute_output_spec``'s.  Constructor arguments of plain types become the
default ``get_config``, as Keras's ``Operation.__new__`` captures them, so a
functional model holding the operation saves and loads.

``Layer`` subclasses ``Operation`` (``isinstance(keras.layers.Dense(1),
keras.Operation)``), as in Keras; layers keep their own ``__call__``,
``get_config`` and symbolic machinery, so only plain operations use the
methods here.  In a functional graph a plain operation is carried by an
:class:`OperationNode`, a weightless layer sharing the operation's name and
nodes, listed (as Keras lists operations) in the saved config and
``summary()`` but not in ``model.layers``.
"""

from __future__ import annotations

import inspect

import torch

from keraton import backend
from keraton.layers.auto_config import capture_constructor_arguments, init_takes_name
from keraton.layers.keras_tensor import KerasTensor
from keraton.utils import tree


def _any_symbolic(args, kwargs) -> bool:
    return any(isinstance(t, KerasTensor) for t in tree.flatten((list(args), dict(kwargs))))


class Operation:
    """Base class of a custom operation, as Keras 3's ``keras.Operation``.

    Args:
        name: the operation's name; defaults to the snake-cased class name
            made unique (``my_op``, ``my_op_1``, ...), as Keras names it.

    Example:
        >>> class Scale(keraton.Operation):
        ...     def __init__(self, factor, name=None):
        ...         super().__init__(name=name)
        ...         self.factor = factor
        ...     def call(self, x):
        ...         return x * self.factor
        ...     def compute_output_spec(self, x):
        ...         return keraton.KerasTensor(x.shape, dtype=x.dtype)
        >>> inputs = keraton.Input((3,))
        >>> model = keraton.Model(inputs, Scale(2.0)(inputs))
    """

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # Layers capture their own arguments (``Layer.__new__``); an operation keeps the
        # arguments it was made with when they are plain values, for the default get_config.
        if not isinstance(instance, torch.nn.Module):
            instance.__dict__["_auto_config"] = capture_constructor_arguments(cls, args, kwargs)
            instance.__dict__["_auto_config_error_args"] = _has_unsupported_parameters(
                cls, args, kwargs)
        return instance

    def __init__(self, name=None):
        if name is None:
            name = backend.unique_object_name(backend.to_snake_case(type(self).__name__))
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name} (of type {type(name)})")
        self.name = name
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        if _any_symbolic(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        """The operation's computation on tensors; subclasses override it."""
        raise NotImplementedError

    def symbolic_call(self, *args, **kwargs):
        """Record a call on ``KerasTensor``s as a graph node; return ``compute_output_spec``'s output."""
        if isinstance(self, torch.nn.Module):  # a Layer records its own nodes
            return self._symbolic_call(*args, **kwargs)
        return _node_layer(self)._symbolic_call(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """The ``KerasTensor``(s) ``call`` returns for these symbolic arguments.

        By default, as Keras, ``call`` runs on stand-in values (unknown
        dimensions set to two sizes; those that differ come out ``None``).
        """
        try:
            return _node_layer(self)._run_on_zeros(args, kwargs)
        except Exception as error:
            cls_name = type(self).__name__
            raise type(error)(
                f"Could not automatically infer the output shape / dtype of '{self.name}' (of "
                f"type {cls_name}): either `{cls_name}.call()` is incorrect, or implement "
                f"`{cls_name}.compute_output_spec()`. Error encountered:\n\n{error}"
            ).with_traceback(error.__traceback__) from None

    def get_config(self) -> dict:
        """The config: ``name``, plus the captured constructor arguments for a subclass
        that does not write ``get_config`` (Keras's automatic config)."""
        config = {"name": self.name}
        if _defines_get_config(type(self)):
            return config
        auto_config = self.__dict__.get("_auto_config")
        if auto_config is None:
            what = ("positional-only or variadic positional arguments"
                    if self.__dict__.get("_auto_config_error_args") else
                    "argument values that are not str, int, float, bool or None")
            raise NotImplementedError(
                f"Object {type(self).__name__} was created with {what} in `__init__()`, which "
                "the automatic config cannot save. Override `get_config()` (and `from_config()` "
                "if needed) to make it serializable.")
        config.update(auto_config)
        if not init_takes_name(self):
            config.pop("name")
        return config

    @classmethod
    def from_config(cls, config):
        """Create the operation from ``get_config()``'s output (``cls(**config)``)."""
        try:
            return cls(**config)
        except Exception as error:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {error}") from error

    def __repr__(self):
        return f"<Operation name={self.name}>"

    @property
    def input(self):
        """The input tensor(s) of the operation's first symbolic call."""
        return self._first_node_tensors("input_tensors", "input")

    @property
    def output(self):
        """The output tensor(s) of the operation's first symbolic call."""
        return self._first_node_tensors("output_tensors", "output")

    def _first_node_tensors(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}.")
        values = getattr(self._inbound_nodes[0], attr)
        return values[0] if len(values) == 1 else values


def _defines_get_config(cls) -> bool:
    return cls.get_config is not Operation.get_config


def _has_unsupported_parameters(cls, args, kwargs) -> bool:
    """Whether ``cls.__init__`` takes positional-only parameters or got variadic arguments
    (Keras then names them in the error of ``get_config``)."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return False
    params = list(signature.parameters.values())[1:]
    if any(p.kind == p.POSITIONAL_ONLY for p in params):
        return True
    return any(p.kind == p.VAR_POSITIONAL and bound.arguments.get(p.name) for p in params)


def _node_layer(operation):
    """The :class:`~keraton.layers.core.operation_node.OperationNode` carrying ``operation`` in graphs."""
    node_layer = operation.__dict__.get("_node_layer")
    if node_layer is None:
        from keraton.layers.core.operation_node import OperationNode

        node_layer = OperationNode(operation)
        operation.__dict__["_node_layer"] = node_layer
    return node_layer
