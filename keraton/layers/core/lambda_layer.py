"""``Lambda``: wrap an arbitrary expression on torch tensors as a layer (Keras's ``Lambda``)."""

from __future__ import annotations

import inspect
import types

import torch

from keraton.layers.layer import Layer
from keraton.saving import serialization_lib
from keraton.utils import python_utils


class Lambda(Layer):
    """Apply ``function(inputs, **arguments)`` as a layer, as ``keras.layers.Lambda``.

    ``output_shape`` (a tuple without batch, or a function of the input shape)
    is optional: when absent the shape is found by running the function.  A
    Lambda with a Python lambda serializes its bytecode; loading such a config
    is refused unless ``safe_mode=False`` is passed, since it runs code.

    Example:
        >>> layer = keraton.layers.Lambda(lambda x: x * 2)
        >>> layer(torch.ones(1, 2))
        tensor([[2., 2.]])
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects a callable `function`, got {function!r}.")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        params = inspect.signature(function).parameters if _has_signature(function) else {}
        self._fn_takes_training = "training" in params
        self._fn_takes_mask = "mask" in params
        # A function calling K.gradients (Keras 2's getwhere) needs autograd in inference too.
        code = getattr(function, "__code__", None)
        self._takes_gradients = code is not None and "gradients" in code.co_names

    def call(self, inputs, mask=None, training=None):
        """Return ``function(inputs, **arguments)``."""
        kwargs = dict(self.arguments)
        if self._fn_takes_training:
            kwargs["training"] = training
        if self._fn_takes_mask and mask is not None:
            kwargs["mask"] = mask
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """Use ``output_shape`` when given, else run the function on zeros."""
        if self._output_shape is None:
            return self._run_on_zeros(args, kwargs)
        from keraton.layers.keras_tensor import KerasTensor

        first = args[0]
        in_shape = first.shape if isinstance(first, KerasTensor) else [t.shape for t in first]
        if callable(self._output_shape):
            shape = self._output_shape(in_shape)
        else:
            shape = (in_shape[0] if isinstance(first, KerasTensor) else None,) + tuple(self._output_shape)
        return KerasTensor(tuple(shape), dtype=getattr(first, "dtype", None) or "float32")

    def get_config(self) -> dict:
        """Keras 3's Lambda config; a non-importable function is stored as bytecode."""
        config = super().get_config()
        fn = self.function
        # A lambda is bytecode (even one made by func_load, whose module is keraton's); so is
        # a user's closure. keraton's own functions (activations are wrappers with closures)
        # are saved by name.
        if isinstance(fn, types.LambdaType) and (
                fn.__name__ == "<lambda>" or (fn.__closure__ and not serialization_lib.is_builtin(fn))):
            config["function"] = {
                "class_name": "__lambda__",
                "config": dict(zip(("code", "defaults", "closure"), python_utils.func_dump(fn))),
            }
        else:  # as Keras: the function's registered name ("package>name")
            config["function"] = serialization_lib.serialize_function(fn)
        config["output_shape"] = (
            list(self._output_shape) if isinstance(self._output_shape, (tuple, list)) else None
        )
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild a Lambda; bytecode is only loaded with ``safe_mode=False``."""
        config = dict(config)
        fn = config.pop("function")
        if isinstance(fn, dict) and fn.get("class_name") == "__lambda__":
            if safe_mode is None:
                from keraton.saving import safe_mode_state

                safe_mode = safe_mode_state.in_safe_mode()
            if safe_mode:
                raise ValueError(
                    "Requested the deserialization of a Lambda layer whose function is Python "
                    "bytecode. Loading it would run code from the file, which is refused in "
                    "safe mode. If you trust the source, pass `safe_mode=False` to the loading "
                    "function."
                )
            inner = fn["config"]
            function = python_utils.func_load(inner["code"], inner.get("defaults"), inner.get("closure"))
        else:
            name = fn.get("config") if isinstance(fn, dict) else fn
            try:
                function = serialization_lib.deserialize_keras_object(fn, custom_objects=custom_objects)
            except ValueError:
                function = None
            if function is None:
                raise ValueError(
                    f"Unknown function {name!r} in a Lambda layer config: pass it in "
                    "custom_objects or register it with register_keras_serializable()."
                )
        output_shape = config.pop("output_shape", None)
        return cls(function, output_shape=output_shape, **config)


def _get_item(a, key):
    return a[_decode_key(key)]


def _decode_key(key):
    if isinstance(key, list):
        return tuple(_decode_key(k) for k in key)
    if isinstance(key, dict) and key.get("slice"):
        return slice(*key["slice"])
    if key == "...":
        return Ellipsis
    return key


def _encode_key(key):
    if isinstance(key, tuple):
        return [_encode_key(k) for k in key]
    if isinstance(key, slice):
        return {"slice": [key.start, key.stop, key.step]}
    if key is Ellipsis:
        return "..."
    if key is None or isinstance(key, int):
        return key
    raise TypeError(f"Cannot index a symbolic tensor with {key!r}; use a Lambda layer.")


_SYMBOLIC_OPS = {
    "add": torch.add,
    "subtract": torch.sub,
    "multiply": torch.mul,
    "divide": torch.div,
    "get_item": _get_item,
}


_KERAS_OP_CLASSES = {
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "divide": "TrueDivide",
    "get_item": "GetItem",
}


class SymbolicOp(Layer):
    """Arithmetic on symbolic tensors (``x + y``, ``x * 2``, ``x[:, 0]``) recorded as a layer call.

    Keras records such expressions as operations in the graph; here each one is
    a tiny weightless layer that serializes by operation name, so configs stay
    free of code.
    """

    def __init__(self, op, reverse=False, key=None, **kwargs):
        super().__init__(**kwargs)
        if op not in _SYMBOLIC_OPS:
            raise ValueError(f"Unknown symbolic operation {op!r}; known: {sorted(_SYMBOLIC_OPS)}.")
        self.op = op
        self.reverse = bool(reverse)
        self.key = _encode_key(key) if op == "get_item" else None
        self.built = True

    @property
    def _summary_class_name(self) -> str:
        """The class name Keras shows for this operation in ``summary()`` (``Add``, ``GetItem``...)."""
        return _KERAS_OP_CLASSES[self.op]

    def call(self, inputs, other=None):
        """Apply the operation."""
        if self.op == "get_item":
            return _get_item(inputs, self.key)
        fn = _SYMBOLIC_OPS[self.op]
        return fn(other, inputs) if self.reverse else fn(inputs, other)

    def get_config(self) -> dict:
        """The operation's name, side and index key."""
        config = super().get_config()
        config.update({"op": self.op, "reverse": self.reverse, "key": self.key})
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        config = dict(config)
        key = config.pop("key", None)
        op = SymbolicOp.__new__(cls)
        cls.__init__(op, **config)
        op.key = key
        return op


def _has_signature(fn) -> bool:
    try:
        inspect.signature(fn)
        return True
    except (TypeError, ValueError):
        return False
