"""State of the current layer call: pending losses, call depth, and which ``call``s take which arguments."""

from __future__ import annotations

import inspect

# Layers that called add_loss() during the current outermost call.  Cleared when
# an outermost call starts, so a layer's losses always belong to its last call.
_PENDING_LOSS_LAYERS: list = []
_CALL_DEPTH = [0]
_ACCEPTS_TRAINING: dict = {}


def _call_accepts(cls, name: str) -> bool:
    key = (cls, name)
    if key not in _ACCEPTS_TRAINING:
        params = inspect.signature(cls.call).parameters
        _ACCEPTS_TRAINING[key] = name in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
        )
    return _ACCEPTS_TRAINING[key]


def first_call_parameter(cls):
    """The name of ``cls.call``'s first argument (after ``self``), or None (``*args``)."""
    key = (cls, "<first>")
    if key not in _ACCEPTS_TRAINING:
        params = list(inspect.signature(cls.call).parameters.values())[1:]
        first = params[0] if params else None
        _ACCEPTS_TRAINING[key] = (first.name if first is not None and first.kind in (
            first.POSITIONAL_OR_KEYWORD, first.KEYWORD_ONLY) else None)
    return _ACCEPTS_TRAINING[key]


def _input_mask(first, args, kwargs, tensor_type=None):
    """The mask(s) riding on a call's first input, as Keras's ``__call__`` collects them, or None.

    A tensor gives its ``_keras_mask``.  A list/tuple/dict of tensors (a layer
    called on ``[x, y]``) gives the same nest of masks, as Keras's
    ``tree.map_structure(get_keras_mask, inputs)``, when it is the call's only
    tensor argument and at least one of its tensors is masked.  ``tensor_type``
    is ``torch.Tensor`` (eager calls) or ``KerasTensor`` (symbolic calls).
    """
    import torch

    from keraton.utils import tree

    tensor_type = tensor_type or torch.Tensor
    if isinstance(first, tensor_type):
        return getattr(first, "_keras_mask", None)
    if not isinstance(first, (list, tuple, dict)):
        return None
    leaves = tree.flatten(first)
    if not leaves or not all(isinstance(t, tensor_type) for t in leaves):
        return None
    others = tree.flatten(list(args[1:]) + [v for k, v in kwargs.items()
                                            if k not in ("inputs", "mask")])
    if any(isinstance(t, tensor_type) for t in others):
        return None
    masks = tree.map_structure(lambda t: getattr(t, "_keras_mask", None), first)
    return masks if any(m is not None for m in tree.flatten(masks)) else None
