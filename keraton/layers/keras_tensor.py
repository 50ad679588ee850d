"""Symbolic tensors of the functional API (``keraton.Input`` and layer outputs on them).

A ``KerasTensor`` holds a shape (``None`` for unknown dimensions), a dtype and
``_keras_history = (layer, node_index, tensor_index)`` telling which layer call
made it.  Like Keras 3's ``KerasTensor`` it carries no data; a functional model
replays the recorded layer calls on real torch tensors.
"""

from __future__ import annotations

from keraton import backend


class KerasTensor:
    """A symbolic tensor: shape, dtype and the layer call that produced it."""

    def __init__(self, shape, dtype="float32", name: str | None = None, sparse: bool = False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self.sparse = sparse
        self._keras_history = None

    @property
    def dtype(self) -> str:
        """The dtype's Keras name (``"float32"``, ``"string"``), as Keras 3's ``KerasTensor.dtype``."""
        return self._dtype_name

    @dtype.setter
    def dtype(self, value) -> None:
        if isinstance(value, str) and value == "string":  # torch has no string dtype: NumPy str data
            self._dtype_name = "string"
            return
        self._dtype_name = backend.dtype_name(backend.torch_dtype(value))

    @property
    def ndim(self) -> int:
        """Number of dimensions, batch included."""
        return len(self.shape)

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
            f"name={self.name}>"
        )

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no value and cannot be used as a Python bool. "
            "Put data-dependent logic inside a layer's call() or a Lambda layer."
        )

    def __array__(self, dtype=None):
        raise TypeError(
            f"{self!r} is symbolic: it has no value to convert to NumPy. Build a Model from it "
            "and call model.predict(...) to get values."
        )

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        """Refuse torch functions on symbolic tensors, saying how to put torch code in a model.

        (``torch.nn.Linear(4, 8)(keras.Input((4,)))`` fails in Keras 3 too, with
        torch's bare "must be Tensor, not KerasTensor".)
        """
        name = getattr(func, "__name__", None) or repr(func)
        raise TypeError(
            f"The torch function {name}() was called on a symbolic KerasTensor (a functional "
            "model's input or a layer's output: it has no values yet). To use torch code in a "
            "functional model, wrap a torch.nn.Module in keras.layers.TorchModuleWrapper(module) "
            "(its weights become the model's) or torch functions in a keras.layers.Lambda; or "
            "call the torch code on real tensors.")

    # Arithmetic on symbolic tensors becomes a recorded operation node, as in Keras
    # (saved as Keras's Add, Subtract, Multiply, TrueDivide, Negative, GetItem).
    def _op(self, op, *args):
        from keraton import ops

        return getattr(ops, op)(*args)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("true_divide", self, other)

    def __rtruediv__(self, other):
        return self._op("true_divide", other, self)

    def __neg__(self):
        return self._op("negative", self)

    def __getitem__(self, key):
        return self._op("get_item", self, key)

    def __abs__(self):
        return self._op("absolute", self)

    def __invert__(self):
        return self._op("logical_not", self)

    def __ne__(self, other):
        # As Keras: ``!=`` is the symbolic ``not_equal`` (``==`` stays identity, so KerasTensors
        # can sit in lists and dicts).
        return self._op("not_equal", self, other)

    def __lt__(self, other):
        return self._op("less", self, other)

    def __le__(self, other):
        return self._op("less_equal", self, other)

    def __gt__(self, other):
        return self._op("greater", self, other)

    def __ge__(self, other):
        return self._op("greater_equal", self, other)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __rpow__(self, other):
        return self._op("power", other, self)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)

    def __floordiv__(self, other):
        return self._op("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return self._op("floor_divide", other, self)

    def __mod__(self, other):
        return self._op("mod", self, other)

    def __rmod__(self, other):
        return self._op("mod", other, self)

    def __and__(self, other):
        return self._op("logical_and", self, other)

    def __rand__(self, other):
        return self._op("logical_and", other, self)

    def __or__(self, other):
        return self._op("logical_or", self, other)

    def __ror__(self, other):
        return self._op("logical_or", other, self)

    def __xor__(self, other):
        return self._op("logical_xor", self, other)

    def __rxor__(self, other):
        return self._op("logical_xor", other, self)
