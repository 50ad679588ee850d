"""Conversions shared by :mod:`keraton.ops`: Keras 3's tensor and dtype rules, on torch.

Every op accepts what Keras's ops accept (torch tensors, NumPy arrays, Python
scalars and nested lists) and returns torch tensors.  Conversion follows
Keras 3 on its torch backend: Python ``float`` -> ``floatx()`` (float32),
Python ``int`` -> int32, ``bool`` -> bool, NumPy arrays keep their dtype,
NumPy scalars of a float type -> ``floatx()``.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from keraton import backend
from keraton.backend_functions.symbolic import _as_lambda_layer, _is_symbolic

# Keras's Python-type map on its torch backend ("int" is int32 there, not int64).
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: None, "int": "int32", "float": None}


def standardize_dtype(dtype) -> torch.dtype | None:
    """A torch dtype for a Keras dtype name, NumPy dtype, Python type or torch dtype.

    ``None`` stays ``None`` (the op picks); ``"int"``/``int`` are int32 and
    ``"float"``/``float`` are ``floatx()``, as Keras 3 maps them on torch.
    """
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str) or isinstance(dtype, type):
        if dtype in _PYTHON_DTYPES:
            name = _PYTHON_DTYPES[dtype]
            return backend.torch_dtype(name)
    return backend.torch_dtype(dtype)


def _infer_list_dtype(values) -> torch.dtype:
    flat = []

    def walk(v):
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        else:
            flat.append(v)

    walk(values)
    if any(isinstance(v, float) or (isinstance(v, np.generic) and np.issubdtype(type(v), np.floating))
           for v in flat):
        return backend.torch_dtype(None)
    if flat and all(isinstance(v, (bool, np.bool_)) for v in flat):
        return torch.bool
    if any(isinstance(v, np.generic) and np.issubdtype(type(v), np.integer) for v in flat):
        return torch.int64
    return torch.int32


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> torch.Tensor:
    """``x`` as a torch tensor, with Keras 3's default dtypes (``keras.ops.convert_to_tensor``).

    A tensor of the right dtype is returned as is; ``dtype`` casts.  Lists of
    tensors are stacked.  ``sparse``/``ragged`` are accepted for Keras's
    signature; keraton has dense tensors only, so ``sparse=True`` or
    ``ragged=True`` raise.
    """
    if sparse or ragged:
        raise ValueError(
            "convert_to_tensor: keraton tensors are dense torch tensors; sparse=True and "
            "ragged=True are not supported. Pass a dense array instead.")
    torch_dtype = standardize_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if torch_dtype is None or x.dtype == torch_dtype else x.to(torch_dtype)
    if torch_dtype is None:
        if isinstance(x, (bool, np.bool_)):
            torch_dtype = torch.bool
        elif isinstance(x, int):
            torch_dtype = torch.int32
        elif isinstance(x, float):
            torch_dtype = backend.torch_dtype(None)
        elif isinstance(x, np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(x)) if x.dtype != object else \
                torch.as_tensor(x.tolist())
        elif isinstance(x, np.generic):
            torch_dtype = (backend.torch_dtype(None) if np.issubdtype(type(x), np.floating)
                           else backend.torch_dtype(x.dtype))
        elif isinstance(x, (list, tuple)):
            if any(isinstance(v, torch.Tensor) for v in x):
                return torch.stack([convert_to_tensor(v) for v in x])
            torch_dtype = _infer_list_dtype(x)
    if isinstance(x, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in x):
        return torch.stack([convert_to_tensor(v, torch_dtype) for v in x])
    return torch.as_tensor(np.asarray(x) if isinstance(x, (list, tuple)) else x, dtype=torch_dtype)


def keras_op(fn):
    """Mark ``fn`` as a public op: on Keras tensors (functional API) it becomes a graph node.

    With no ``KerasTensor`` among the arguments the function runs directly.
    Otherwise the call is recorded as Keras 3 records it, an operation node
    (``keraton.layers.OperationLayer``) that saves under Keras's class name, so
    that ``keras.ops.expand_dims(inputs, -1)`` works between ``Input`` and
    ``Model`` and the model's file loads in Keras; ops Keras has no node for
    become a ``Lambda`` layer.
    """
    op = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not (any(_is_symbolic(a) for a in args)
                or any(_is_symbolic(v) for v in kwargs.values())):
            return fn(*args, **kwargs)
        from keraton.layers.core.operation_layer import keras_op_entry, symbolic_op_call

        if keras_op_entry(op) is not None:
            return symbolic_op_call(op, fn, args, kwargs)
        return _as_lambda_layer(fn, args, kwargs)

    return wrapper


# ---------------------------------------------------------------------------
# Keras's dtype promotion (``keras.backend.result_type``), on dtype names.
# ---------------------------------------------------------------------------

# Each dtype and the dtypes it widens to directly.  "int" and "float" are the
# weak types of Python scalars: they take the dtype of the tensor they meet.
_WIDENS_TO = {
    "bool": ("int",), "int": ("uint8", "int8", "complex64"),
    "uint8": ("int16", "uint16"), "uint16": ("int32", "uint32"), "uint32": ("int64", "uint64"),
    "uint64": ("float",), "int8": ("int16",), "int16": ("int32",), "int32": ("int64",),
    "int64": ("float",), "float": ("bfloat16", "float16"), "bfloat16": ("float32",),
    "float16": ("float32",), "float32": ("float64", "complex64"), "float64": ("complex128",),
    "complex64": ("complex128",), "complex128": (),
}


def _all_above(name: str) -> frozenset:
    seen, todo = {name}, [name]
    while todo:
        for wider in _WIDENS_TO[todo.pop()]:
            if wider not in seen:
                seen.add(wider)
                todo.append(wider)
    return frozenset(seen)


_ABOVE = {name: _all_above(name) for name in _WIDENS_TO}
# Keras on torch keeps results at 32 bits, as JAX does without x64.
_NARROW_64 = {"int64": "int32", "uint64": "uint32", "float64": "float32",
              "complex128": "complex64"}


def _least_upper_bound(names) -> str:
    common = frozenset.intersection(*(_ABOVE[n] for n in names))
    if not common:
        raise ValueError(f"Input dtypes {tuple(names)} have no implicit promotion path. "
                         "Cast the inputs to a common dtype first.")
    # The least common upper bound is the one every other common bound lies above.
    return max(common, key=lambda n: len(_ABOVE[n] & common))


def _dtype_name(dtype) -> str:
    return backend.dtype_name(backend.torch_dtype(dtype))


def result_type(*dtypes) -> torch.dtype:
    """Keras 3's ``keras.backend.result_type`` on torch, as a torch dtype.

    ``dtypes`` are dtypes (any spelling), tensors, or the Python types
    ``int``/``float``/``bool``; ``int`` and ``float`` are weak (they take the
    other operand's precision).  Promoted 64-bit results narrow to 32 bits.
    """
    dtypes = [getattr(d, "dtype", d) if not isinstance(d, type) else d for d in dtypes] or [None]
    weak = [d is int or d is float for d in dtypes]
    names = ["int32" if d is int else "float32" if d is float else _dtype_name(d) for d in dtypes]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(set(names)), True
    else:
        nodes = {("float" if "float" in n else "int") if w else n for n, w in zip(names, weak)}
        out = _least_upper_bound(nodes)
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        bits = backend.floatx()[-2:]
        out = f"int{bits}" if out[0] == "i" else f"uint{bits}" if out[0] == "u" else \
            f"float{bits}"
    return getattr(torch, _NARROW_64.get(out, out))
