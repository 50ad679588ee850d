"""Symbolic tensors captured by a compiled loss, and their values in the model's latest forward pass.

Keras 2 losses could close over tensors of the model's graph: the WGAN-GP
gradient penalty of keras-contrib's ``improved_wgan.py`` is
``partial(gradient_penalty_loss, averaged_samples=averaged_samples)`` and
calls ``K.gradients(y_pred, averaged_samples)``, which TensorFlow answered from
the same graph run.  keraton runs the loss eagerly on ``y_pred``; ``compile``
finds such captured Keras tensors (:func:`captured_tensors`), the functional
model keeps their values from each forward pass, differentiable
(:func:`record`), and ``K.gradients`` of an eager loss with respect to them
answers from those values (:func:`value_of`).
"""

from __future__ import annotations

import functools
import threading

_STATE = threading.local()


def captured_tensors(loss) -> list:
    """The Keras tensors that the loss function(s) ``loss`` (as given to ``compile``) refer to.

    Looks in ``functools.partial`` arguments, closure cells and a loss
    wrapper's function and keyword arguments, one level of lists/dicts deep.
    """
    from keraton.layers.keras_tensor import KerasTensor

    found, seen = [], set()

    def visit(obj, depth=0):
        if id(obj) in seen or depth > 4:
            return
        seen.add(id(obj))
        if isinstance(obj, KerasTensor):
            found.append(obj)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item, depth + 1)
        elif isinstance(obj, dict):
            for item in obj.values():
                visit(item, depth + 1)
        elif isinstance(obj, functools.partial):
            visit(obj.func, depth + 1)
            visit(obj.args, depth + 1)
            visit(obj.keywords, depth + 1)
        elif callable(obj):
            for cell in getattr(obj, "__closure__", None) or ():
                try:
                    visit(cell.cell_contents, depth + 1)
                except ValueError:  # an empty cell
                    pass
            visit(getattr(obj, "fn", None), depth + 1)  # keraton's LossFunctionWrapper
            visit(getattr(obj, "_fn_kwargs", None), depth + 1)

    visit(loss)
    return found


def record(pairs) -> None:
    """Keep ``(keras_tensor, value)`` pairs of the forward pass that just ran (this thread)."""
    values = getattr(_STATE, "values", None)
    if values is None:
        values = _STATE.values = {}
    for tensor, value in pairs:
        values[id(tensor)] = (tensor, value)


def value_of(tensor):
    """The value ``tensor`` had in the latest forward pass that recorded it, or None."""
    entry = (getattr(_STATE, "values", None) or {}).get(id(tensor))
    return entry[1] if entry is not None and entry[0] is tensor else None
