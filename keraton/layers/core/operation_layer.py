"""A ``keraton.ops`` call on symbolic tensors, recorded in the graph as Keras 3 records it.

Keras 3 turns ``keras.ops.expand_dims(inputs, -1)`` (and ``x + y``,
``x[:, 0]``) between ``Input`` and ``Model`` into an ``Operation`` node: the
op's class (``ExpandDims`` in ``keras.src.ops.numpy``) with its constructor
arguments as config (``{"axis": -1}``) and its call arguments in the node.
:class:`OperationLayer` is that node here: a weightless layer that runs the
keraton op and writes (and reads) Keras's entry, so functional configs and
``.keras`` files holding ops move both ways with real Keras 3.
"""

from __future__ import annotations

import functools
import inspect

from keraton import backend
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.utils import tree


def keras_op_entry(op: str):
    """``(module, class name, call arguments, constructor arguments)`` of op ``op``, or None."""
    from keraton.ops.keras_op_table import KERAS_OPS

    return KERAS_OPS.get(op)


@functools.cache
def _op_by_class() -> dict:
    from keraton.ops.keras_op_table import KERAS_OPS

    out = {}
    for op, (module, class_name, _, _) in sorted(KERAS_OPS.items()):
        out.setdefault((module, class_name), op)
    return out


def op_for_class(module: str, class_name: str) -> str | None:
    """The keraton op saved by Keras as ``class_name`` in ``keras.src.ops.<module>``."""
    return _op_by_class().get((module.rsplit(".", 1)[-1], class_name))


def _op_function(op: str):
    from keraton import ops

    fn = getattr(ops, op, None)
    if fn is None:
        fn = getattr(ops.image, op)
    return getattr(fn, "__wrapped__", fn)


@functools.cache
def _param_kinds(fn) -> dict:
    return {name: p.kind for name, p in inspect.signature(fn).parameters.items()}


def _invoke(fn, names, values, config):
    """Call ``fn`` with call arguments ``values`` (named ``names``) and keyword ``config``.

    A trailing ``*args`` parameter of ``fn`` (``einsum(subscripts, *operands)``)
    takes the remaining values; parameters before it are passed by position.
    """
    kinds = _param_kinds(fn)
    names = list(names)
    if names and kinds.get(names[-1]) is inspect.Parameter.VAR_POSITIONAL:
        values = [*values[:len(names) - 1], tuple(values[len(names) - 1:])]
    given = {**config, **dict(zip(names, values))}
    var_positional = inspect.Parameter.VAR_POSITIONAL in kinds.values()
    args, kwargs = [], {}
    for name, kind in kinds.items():
        if name not in given:
            continue
        value = given.pop(name)
        if kind is inspect.Parameter.VAR_POSITIONAL:
            args.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update(value or {})
        elif kind is inspect.Parameter.POSITIONAL_ONLY or (
                var_positional and kind is inspect.Parameter.POSITIONAL_OR_KEYWORD):
            args.append(value)
        else:
            kwargs[name] = value
    kwargs.update(given)
    return fn(*args, **kwargs)


def _is_symbolic(args, kwargs) -> bool:
    return any(isinstance(t, KerasTensor) for t in tree.flatten((list(args), dict(kwargs))))


def symbolic_op_call(op: str, fn, args, kwargs):
    """Record ``fn(*args, **kwargs)`` (op ``op``) as an :class:`OperationLayer` node."""
    module, class_name, call_names, init_names = keras_op_entry(op)
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    config = {name: bound.arguments[name] for name in init_names if name in bound.arguments}
    kinds = _param_kinds(fn)
    call_values = []
    for name in call_names:
        if name in bound.arguments:
            if kinds.get(name) is inspect.Parameter.VAR_POSITIONAL:
                call_values.extend(bound.arguments[name])  # one node argument per operand
            else:
                call_values.append(bound.arguments[name])
    extra = {}  # a **kwargs parameter (rearrange's axis lengths): the node's keyword arguments
    for name, kind in kinds.items():
        if kind is inspect.Parameter.VAR_KEYWORD:
            extra = dict(bound.arguments.get(name, {}))
    layer = operation_class(op)(op, config, name=backend.unique_object_name(
        backend.to_snake_case(class_name)))
    return layer(*call_values, **extra)


def _reshape_output_spec(x: KerasTensor, newshape):
    """``reshape``'s symbolic output, as Keras's ``compute_reshape_output_shape``.

    With an unknown dimension in ``x`` the ``-1`` entry is unknown (``None``);
    running the op on stand-in sizes instead would fail where the stand-in batch
    is not a multiple of the other entries (``(None, 4)`` into ``(-1, 3, 4)``).
    (A fully known ``x`` goes through the op itself, which checks the sizes.)
    """
    shape = tuple(newshape) if isinstance(newshape, (list, tuple)) else (newshape,)
    shape = tuple(None if d is None else int(d) for d in shape)
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: at most one dimension of newshape can be -1, got {shape}.")
    return KerasTensor(tuple(None if d == -1 else d for d in shape), dtype=x.dtype)


class OperationLayer(Layer):
    """A Keras 3 ``Operation`` node: runs ``keraton.ops.<op>`` with the saved constructor config.

    ``op`` is the op's name (``"expand_dims"``), ``op_config`` its constructor
    arguments (``{"axis": -1}``).  Called with the op's call arguments in
    Keras's order (tensors, and values such as the ``2.0`` of ``x * 2.0``).
    """

    def __init__(self, op, op_config=None, **kwargs):
        super().__init__(**kwargs)
        entry = keras_op_entry(op)
        if entry is None:
            raise ValueError(f"Unknown op {op!r} for an operation node: expected the name of a "
                             "keraton.ops function that Keras 3 saves as an Operation.")
        self.op = op
        self.op_config = dict(op_config or {})
        self._keras_module, self._keras_class, self._call_names, _ = entry
        self.built = True

    @property
    def _summary_class_name(self) -> str:
        """The class name Keras shows for this operation in ``summary()`` (``ExpandDims``...)."""
        return self._keras_class

    def __call__(self, *args, **kwargs):
        if _is_symbolic(args, kwargs):
            return self._symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """The op's symbolic output: a shape formula where Keras has one, else a run on zeros."""
        if self.op == "reshape" and isinstance(args[0], KerasTensor) and None in args[0].shape:
            return _reshape_output_spec(args[0], self.op_config["newshape"])
        return super().compute_output_spec(*args, **kwargs)

    def call(self, *args, **kwargs):
        """Run the op on the call arguments (and keyword arguments) with the stored config."""
        kwargs.pop("training", None)  # shape inference offers it to every call
        if self.op == "get_item" and len(args) > 1 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]), *args[2:])  # a saved index tuple comes back a list
        return _invoke(_op_function(self.op), self._call_names, args,
                       {**self.op_config, **kwargs})

    def get_config(self) -> dict:
        """The name and the op's constructor arguments, as Keras's ``Operation.get_config``."""
        return {"name": self.name, **self.op_config}

    def keras_entry(self) -> dict:
        """The ``layers`` entry Keras 3 writes for this node (without ``inbound_nodes``)."""
        from keraton.saving.serialization_lib import serialize_keras_object

        config = {"name": self.name}
        config.update({k: serialize_keras_object(v) for k, v in self.op_config.items()})
        return {"module": f"keras.src.ops.{self._keras_module}", "class_name": self._keras_class,
                "config": config, "registered_name": self._keras_class}

    @classmethod
    def from_keras_entry(cls, entry: dict) -> OperationLayer:
        """Rebuild from a Keras 3 ``Operation`` entry (``module``, ``class_name``, ``config``)."""
        op = op_for_class(entry["module"], entry["class_name"])
        if op is None:
            raise ValueError(
                f"The model config holds the Keras operation {entry['class_name']!r} "
                f"(module {entry['module']!r}), which keraton does not know.")
        config = dict(entry.get("config") or {})
        name = config.pop("name", None) or entry.get("name")
        return operation_class(op)(op, config, name=name)

    @classmethod
    def from_config(cls, config: dict) -> OperationLayer:
        """Rebuild from :meth:`get_config` on the op's own class (``type(node)``), as Keras's
        ``Operation.from_config``; so ``layer.__class__.from_config(layer.get_config())``
        (``clone_model``'s default) clones an operation node too."""
        op = getattr(cls, "_op", None)
        if op is None:
            raise ValueError("OperationLayer.from_config needs the op's own class: use "
                             "type(layer).from_config(config) or OperationLayer.from_keras_entry.")
        config = dict(config)
        name = config.pop("name", None)
        return cls(op, config, name=name)


class _OperationClasses:
    """One :class:`OperationLayer` subclass per op, named as Keras's ``Operation`` class
    (``Add``, ``ExpandDims``), made on first use; reachable by pickle as
    ``operation_layer._OPERATION_CLASSES.<op>``."""

    def __getattr__(self, op: str) -> type:
        if op.startswith("__"):
            raise AttributeError(op)
        entry = keras_op_entry(op)
        if entry is None:
            raise AttributeError(f"Unknown op {op!r} for an operation node.")
        cls = type(entry[1], (OperationLayer,), {
            "_op": op, "__module__": __name__, "__qualname__": f"_OPERATION_CLASSES.{op}",
            "__doc__": f"The operation node of ``keraton.ops.{op}`` (Keras's ``{entry[1]}``)."})
        setattr(self, op, cls)
        return cls


_OPERATION_CLASSES = _OperationClasses()


def operation_class(op: str) -> type:
    """The :class:`OperationLayer` subclass of op ``op`` (unknown ops raise ``ValueError``)."""
    try:
        return getattr(_OPERATION_CLASSES, op)
    except AttributeError:
        raise ValueError(f"Unknown op {op!r} for an operation node: expected the name of a "
                         "keraton.ops function that Keras 3 saves as an Operation.") from None
