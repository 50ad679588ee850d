"""Shape helpers shared by the layer base class and the models: nests of shapes and symbolic inputs."""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor


def _is_symbolic(x) -> bool:
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], KerasTensor):
        return True
    if isinstance(x, dict) and x and isinstance(next(iter(x.values())), KerasTensor):
        return True
    return False


def _is_shape(s) -> bool:
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in s)


def _shapes_of(x):
    """Input shape(s) of a tensor or a nest of them: a tuple, or a nest of tuples."""
    if isinstance(x, (torch.Tensor, KerasTensor)):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)):
        return [_shapes_of(t) for t in x]
    if isinstance(x, dict):
        return {k: _shapes_of(v) for k, v in x.items()}
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return None


def _shapes_to_tensors(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(shapes, dtype=dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    return [_shapes_to_tensors(s, dtype) for s in shapes]


def _as_batch_shape(shapes):
    if _is_shape(shapes):
        return (None,) + tuple(shapes[1:]) if shapes else ()
    if isinstance(shapes, dict):
        return {k: _as_batch_shape(v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return [_as_batch_shape(s) for s in shapes]
    return shapes


def _jsonable_shape(shapes):
    if _is_shape(shapes):
        return [None if d is None else int(d) for d in shapes]
    if isinstance(shapes, dict):
        return {k: _jsonable_shape(v) for k, v in shapes.items()}
    return [_jsonable_shape(s) for s in shapes]


def _tupled(shape):
    if _is_shape(shape):
        return tuple(shape)
    if isinstance(shape, dict):
        return {k: _tupled(v) for k, v in shape.items()}
    return [_tupled(s) for s in shape]
