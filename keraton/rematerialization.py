"""Rematerialization (gradient checkpointing): ``keras.remat`` and ``keras.RematScope``, on ``torch.utils.checkpoint``.

``remat(f)`` wraps a function so that the activations inside it are not
kept for the backward pass but recomputed then.  ``RematScope`` applies the
same to layers: a layer *created* inside the scope records the scope's mode
and, whenever it is later called with gradients enabled, runs its ``call``
(or only its activation) under checkpointing, as Keras 3's layers do.  The
layer side is :func:`rematerialized_call`, used by ``Layer.forward``.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections import namedtuple

import torch
import torch.utils.checkpoint

from keraton.layers import call_context
from keraton.utils import tree

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)

RematMode = namedtuple("RematMode", ["mode", "output_size_threshold", "layer_names"])

# The scopes entered and not yet exited, innermost last (Keras keeps it in its global state).
_SCOPE_STACK: list = []


class RematScope:
    """Context manager: layers created inside it recompute their activations in the backward pass.

    Matches ``keras.RematScope``.  The mode is read when a layer is
    *created*; the rematerialization happens when it is called (with
    gradients enabled: under ``torch.no_grad`` nothing is saved anyway).
    Nested scopes apply the innermost one; ``mode=None`` turns it off.

    Args:
        mode: ``"full"`` (every layer's ``call``), ``"activations"`` (only the
            activation function of layers that have an ``activation``, such as
            ``Dense(..., activation="relu")``), ``"larger_than"`` (layers whose
            output has more than ``output_size_threshold`` elements, counted
            over all outputs with the real batch size), ``"list_of_layers"``
            (layers whose ``name`` is in ``layer_names``) or ``None``.
        output_size_threshold: the ``"larger_than"`` threshold, default 1024.
        layer_names: the ``"list_of_layers"`` names, default none.

    Example:

    >>> with keraton.RematScope(mode="list_of_layers", layer_names=["big"]):
    ...     big = keraton.layers.Dense(4096, activation="relu", name="big")
    ...     small = keraton.layers.Dense(10, name="small")
    >>> y = small(big(x))   # big's activations are recomputed during backward
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ValueError(
                f"Invalid mode '{mode}'. Supported modes are: 'full', 'activations', "
                "'larger_than', 'list_of_layers', or None."
            )
        if isinstance(output_size_threshold, bool) or not isinstance(output_size_threshold, numbers.Real):
            raise ValueError(
                "Argument `output_size_threshold` must be a number (an output size in elements). "
                f"Received: output_size_threshold={output_size_threshold!r}"
            )
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = layer_names or []
        self._pop_on_exit = False

    def __enter__(self):
        _SCOPE_STACK.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc_info):
        if self._pop_on_exit:
            if self in _SCOPE_STACK:  # clear_session() may have emptied the stack meanwhile
                _SCOPE_STACK.remove(self)
            self._pop_on_exit = False


def get_current_remat_mode():
    """The innermost active :class:`RematScope` as a ``RematMode`` tuple, or None outside any scope."""
    if not _SCOPE_STACK:
        return None
    scope = _SCOPE_STACK[-1]
    return RematMode(scope.mode, scope.output_size_threshold, scope.layer_names)


def remat(f):
    """Wrap ``f`` so that its intermediate activations are recomputed in the backward pass.

    Matches ``keras.remat`` (torch backend): the returned function calls
    ``torch.utils.checkpoint.checkpoint(f, *args, use_reentrant=False,
    **kwargs)``, so ``f``'s outputs and gradients are unchanged while only its
    inputs are kept; ``f`` runs again during ``backward``, with the same
    random state (dropout masks repeat) and autocast state.  With gradients
    disabled ``f`` is simply called.

    Example:

    >>> block = keraton.remat(lambda x: torch.tanh(x @ w1) @ w2)
    >>> loss = block(x).sum(); loss.backward()   # tanh(x @ w1) is recomputed here
    """
    if not callable(f):
        raise TypeError(f"remat() expects a callable (a function or a layer). Received: {f!r}")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if not torch.is_grad_enabled():
            return f(*args, **kwargs)
        context = call_context.STATE.training

        def in_context(*a, **k):  # the recomputation in backward sees the forward's `training`
            state = call_context.STATE  # the thread running the recomputation
            saved, state.training = state.training, context
            try:
                return f(*a, **k)
            finally:
                state.training = saved

        return torch.utils.checkpoint.checkpoint(in_context, *args, use_reentrant=False, **kwargs)

    return wrapped


def rematerialized_call(layer, call_fn, args, kwargs):
    """``call_fn`` (the layer's ``call``) wrapped as ``layer._remat_mode`` asks, Keras's rules.

    ``"full"``: the whole call is rematerialized; ``"list_of_layers"``: the
    same for a layer whose name is listed; ``"activations"``: only
    ``layer.activation``; ``"larger_than"``: the whole call when the output
    spec for these inputs has more than ``output_size_threshold`` elements.
    """
    mode = layer.__dict__.get("_remat_mode")
    if mode is None or mode.mode is None or not torch.is_grad_enabled():
        return call_fn
    if mode.mode == "full":
        return remat(call_fn)
    if mode.mode == "list_of_layers":
        return remat(call_fn) if layer.name in mode.layer_names else call_fn
    if mode.mode == "activations":
        if getattr(layer, "activation", None) is None:
            return call_fn
        return functools.partial(_call_with_remat_activation, layer, call_fn)
    if mode.mode == "larger_than":
        size = _output_size(layer, args, kwargs)
        if size and size > mode.output_size_threshold:
            return remat(call_fn)
    return call_fn


# Attributes through which keraton layers apply their activation (Dense keeps a fast `_act`).
_ACTIVATION_ATTRS = ("activation", "_act")


def _call_with_remat_activation(layer, call_fn, *args, **kwargs):
    """Run ``call_fn`` with the layer's activation function rematerialized, then restore it."""
    saved = []
    for name in _ACTIVATION_ATTRS:
        fn = getattr(layer, name, None)
        if fn is not None:
            saved.append((name, name in layer.__dict__, layer.__dict__.get(name)))
            layer.__dict__[name] = remat(fn)  # instance dict: shadows a submodule too, undone below
    try:
        return call_fn(*args, **kwargs)
    finally:
        for name, present, value in saved:
            if present:
                layer.__dict__[name] = value
            else:
                del layer.__dict__[name]


def _output_size(layer, args, kwargs) -> int:
    """Elements of the layer's output for these inputs (unknown dimensions count 1), as Keras counts.

    Computed from the output spec, without running the layer on the real
    inputs; cached per input shapes, since the spec may run ``call`` on zeros.
    """
    from keraton.layers.keras_tensor import KerasTensor

    key = tuple(tuple(t.shape) if isinstance(t, torch.Tensor) else repr(t)
                for t in tree.flatten((args, kwargs)))
    cache = layer.__dict__.setdefault("_remat_output_sizes", {})
    if key not in cache:
        def symbolic(t):
            return KerasTensor(tuple(t.shape), dtype=t.dtype) if isinstance(t, torch.Tensor) else t

        spec = layer.compute_output_spec(*tree.map_structure(symbolic, list(args)),
                                         **tree.map_structure(symbolic, kwargs))
        cache[key] = sum(math.prod(d or 1 for d in t.shape) for t in tree.flatten(spec)
                         if isinstance(t, KerasTensor))
    return cache[key]
