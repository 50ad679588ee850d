"""State of the current layer call: pending losses, call depth, and which ``call``s take which arguments."""

from __future__ import annotations

import contextlib
import inspect
import threading


class _CallState(threading.local):
    """The state of the layer calls in progress, one per thread.

    Per thread so that a data-loading thread calling layers (a generator or
    ``PyDataset`` running in ``fit``'s prefetch thread) neither flips the
    ``training`` value that the training thread's nested calls inherit nor
    leaks its ``add_loss`` values into the training step.

    Attributes:
        training: the ``training`` value that calls nested in the current one
            inherit (Keras's call context), or None where the enclosing call
            left it unresolved.
        depth: how many layer calls are in progress.
        pending_loss_layers: layers that called ``add_loss()`` during the
            current outermost call; cleared when an outermost call starts, so a
            layer's losses always belong to its last call.
        loop_depth: how many fit/evaluate/predict loops (and ``*_on_batch``
            calls) of this thread hold a model's mode.
        internal_mode_changes: how many of keraton's own mode changes are in
            progress in this thread (they do not pin a layer's mode).
    """

    def __init__(self):
        self.training = None
        self.depth = 0
        self.pending_loss_layers = []
        self.loop_depth = 0
        self.internal_mode_changes = 0


STATE = _CallState()
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


# ---------------------------------------------------------------- training resolution
# Keras 2's ``K.set_learning_phase(0|1)``: the value of bare calls while set (None: unset).
_GLOBAL_LEARNING_PHASE: list = [None]


def call_default(cls, name: str):
    """The default value of ``cls.call``'s parameter ``name`` (None when absent or without one)."""
    key = (cls, "<default>", name)
    if key not in _ACCEPTS_TRAINING:
        param = inspect.signature(cls.call).parameters.get(name)
        _ACCEPTS_TRAINING[key] = (None if param is None or param.default is inspect.Parameter.empty
                                  else param.default)
    return _ACCEPTS_TRAINING[key]


def set_mode(module, training: bool) -> None:
    """``module.train(training)`` as keraton's own change: it does not pin the mode (see ``resolve_training``)."""
    STATE.internal_mode_changes += 1
    try:
        module.train(training)
    finally:
        STATE.internal_mode_changes -= 1


@contextlib.contextmanager
def loop_mode(model, training: bool):
    """Hold ``model`` in ``training`` mode while a fit/evaluate/predict loop runs, then restore it.

    Meanwhile an outermost call without ``training=`` (a custom ``train_step``'s
    ``self(x)``, a callback's ``self.model(x)``) runs in inference mode, as in Keras
    (in the loop's thread: a data-loading thread's calls keep their own rules).
    """
    previous = model.training
    set_mode(model, training)
    STATE.loop_depth += 1
    try:
        yield
    finally:
        STATE.loop_depth -= 1
        set_mode(model, previous)


def resolve_training(layer, cls):
    """``(value for this call, value its nested calls inherit)`` for a call without ``training=``.

    Keras's order: the enclosing call's value; else the learning phase that
    Keras 2's ``K.set_learning_phase`` fixed; else a non-None default of
    ``call``'s ``training`` parameter (the augmentation layers' ``True``: a bare
    ``RandomFlip()(x)`` augments); else inference.  keraton adds the module's
    torch mode where the user set it: after ``model.train()`` bare calls train,
    after ``model.eval()`` they infer (augmentation included).  While a
    fit/evaluate/predict loop holds the mode, an outermost call follows Keras
    alone (a custom ``train_step``'s ``self(x)`` infers).
    """
    context = STATE.training
    if context is not None:
        return context, context
    phase = _GLOBAL_LEARNING_PHASE[0]
    if phase is not None:
        return phase, phase
    default = call_default(cls, "training")
    if STATE.depth == 0 and STATE.loop_depth:
        return (False, None) if default is None else (bool(default), bool(default))
    if layer._mode_pinned or layer.training:
        return layer.training, layer.training
    if default is not None:
        return bool(default), bool(default)
    return False, None


def inference_grad_mode(model, inference: bool = False):
    """The autograd mode of an evaluate/predict loop over ``model``.

    ``torch.no_grad()`` (``torch.inference_mode()`` when ``inference``), unless
    a layer of ``model`` takes gradients in its ``call`` (a ``Lambda`` calling
    ``K.gradients``, as Keras 2's max-unpooling "switches" in mnist_swwae):
    then ``torch.enable_grad()``, since its forward pass must record the graph
    it differentiates (Keras 2 differentiated its graph in any mode).
    """
    import torch

    if any(getattr(layer, "_takes_gradients", False) for layer in model.modules()):
        return torch.enable_grad()
    return torch.inference_mode() if inference else torch.no_grad()
