"""Backend functions applied to symbolic tensors become ``Lambda`` layers, as tf.keras 2 wrapped them.

tf.keras 2 let functional models call backend ops on Keras tensors
(``K.mean(inputs, axis=1)`` between ``Input`` and ``Model``) by wrapping each
op in a layer.  :func:`symbolic_aware` gives a backend function that
behaviour: with no Keras tensor among its arguments it is the plain function
(one ``isinstance`` per argument), otherwise the call is recorded as a
``Lambda`` layer over those tensors.

Example:
    >>> inputs = keraton.Input((3, 4))
    >>> outputs = K.mean(inputs, axis=1)        # a Lambda layer in the graph
    >>> tuple(keraton.Model(inputs, outputs).outputs[0].shape)
    (None, 4)
"""

from __future__ import annotations

import functools

import torch

from keraton.layers.keras_tensor import KerasTensor


class SymbolicShape(tuple):
    """``K.shape`` of a Keras tensor: its static shape, ``None`` where a size is unknown.

    It reads as a tuple (``K.shape(x)[1]`` is an int).  A backend function given
    one with unknown sizes, such as ``K.cast(K.shape(x), 'float32')``, sees the
    run-time shape as an int32 tensor, as Keras 2's symbolic ``K.shape``.
    """

    def __new__(cls, tensor: KerasTensor):
        shape = super().__new__(cls, tuple(tensor.shape))
        shape.tensor = tensor
        return shape

    @property
    def is_dynamic(self) -> bool:
        return any(size is None for size in self)


def _is_symbolic(value) -> bool:
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, SymbolicShape):
        return value.is_dynamic
    return isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value)


def symbolic_aware(fn):
    """Wrap backend function ``fn`` so that calls on Keras tensors add a ``Lambda`` layer."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not (any(_is_symbolic(a) for a in args) or any(_is_symbolic(v) for v in kwargs.values())):
            return fn(*args, **kwargs)
        return _as_lambda_layer(fn, args, kwargs)

    return wrapper


def _as_lambda_layer(fn, args, kwargs):
    from keraton.layers.core.lambda_layer import Lambda

    symbolic: list = []

    def mark(value):
        # Replace each Keras tensor by a slot index into the Lambda's input list.
        if isinstance(value, KerasTensor):
            symbolic.append(value)
            return _Slot(len(symbolic) - 1)
        if isinstance(value, SymbolicShape) and value.is_dynamic:
            symbolic.append(value.tensor)
            return _Slot(len(symbolic) - 1, shape_of=True)
        if isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value):
            return type(value)(mark(v) for v in value)
        return value

    template_args = [mark(a) for a in args]
    template_kwargs = {k: mark(v) for k, v in kwargs.items()}

    def fill(value, tensors):
        if isinstance(value, _Slot):
            tensor = tensors[value.index]
            return torch.tensor(tuple(tensor.shape), dtype=torch.int32) if value.shape_of else tensor
        if isinstance(value, (list, tuple)):
            return type(value)(fill(v, tensors) for v in value)
        return value

    def function(inputs):
        tensors = inputs if len(symbolic) > 1 else [inputs]
        return fn(*[fill(a, tensors) for a in template_args],
                  **{k: fill(v, tensors) for k, v in template_kwargs.items()})

    return Lambda(function)(symbolic if len(symbolic) > 1 else symbolic[0])


class _Slot:
    __slots__ = ("index", "shape_of")

    def __init__(self, index: int, shape_of: bool = False):
        self.index = index
        self.shape_of = shape_of
