"""``jit_compile=True``: the train step's forward and loss run through ``torch.compile``.

``torch.compile`` captures the forward pass and the loss into one graph;
AOTAutograd then compiles the matching backward, so ``loss.backward()`` in the
step runs compiled code too.  The optimizer update and metric updates stay
eager (they are already fused ``torch._foreach_*``/``_fused_adam_`` calls and
cheap tensor accumulations).  If compilation fails (an op dynamo cannot trace,
no C++ compiler for inductor, ...) the step warns once with the reason and runs
eagerly from then on.

Three choices keep compiled steps from recompiling, which on CPU costs seconds
each time:

* every model gets its own copy of the compiled function's code object, so
  dynamo's per-code cache (and its recompile limit) belongs to one model, not
  to every model of the process that shares ``Trainer._eager_forward_loss``;
* shapes are static (``dynamic=False``): no symbolic-shape graphs, whose guards
  can fail to trace ("cannot determine truth value of Relational");
* only batch shapes that repeat are compiled: the first one, and any other seen
  on two steps in a row (a new ``batch_size``); a one-off shape such as an
  epoch's partial last batch runs eagerly.
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import torch
import torch._dynamo.exc

# torch.compile backend used for jit_compile=True ("inductor" generates fused C++/Triton
# kernels; tests use "aot_eager", which captures the same graphs without code generation).
BACKEND = "inductor"

# Distinct batch signatures compiled per model before the rest run eagerly.
MAX_SIGNATURES = 4


def own_code(fn):
    """``fn`` (a function or bound method) rebuilt on a private copy of its code object.

    Dynamo keys its cache of compiled frames on the code object, so two models
    compiling the same method would share one cache, evict each other's entries
    and, after a recompile, mark their shapes dynamic.  A copied code object
    gives each model a cache of its own.
    """
    func = getattr(fn, "__func__", fn)
    copy = types.FunctionType(func.__code__.replace(), func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__qualname__ = func.__qualname__
    owner = getattr(fn, "__self__", None)
    return copy if owner is None else types.MethodType(copy, owner)


def signature(tree):
    """Hashable description of the shapes, dtypes and devices of the tensors in ``tree``."""
    if isinstance(tree, torch.Tensor):
        return (tuple(tree.shape), tree.dtype, tree.device)
    if isinstance(tree, (list, tuple)):
        return tuple(signature(t) for t in tree)
    if isinstance(tree, dict):
        return tuple((k, signature(tree[k])) for k in sorted(tree, key=str))
    if isinstance(tree, np.ndarray):  # string inputs stay NumPy arrays
        return (tree.shape, tree.dtype.str)
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree  # dynamo specialises on Python scalars: their value is part of the graph
    return type(tree)


class CompiledFunction:
    """``fn`` compiled with ``torch.compile`` for the batch shapes that repeat, else run eagerly.

    Compilation failures fall back to ``fn`` for good, with a warning naming the cause.

    Example:

    >>> double = CompiledFunction(lambda t: t * 2, backend="eager")
    >>> double(torch.ones(2)).tolist()
    [2.0, 2.0]
    """

    def __init__(self, fn, backend=None, what="the train step"):
        self._fn = fn
        self._what = what
        self._compiled = torch.compile(own_code(fn), backend=backend or BACKEND, dynamic=False)
        self._signatures: set = set()
        self._last_eager = None

    @property
    def is_compiled(self) -> bool:
        """False once compilation failed and ``fn`` runs eagerly."""
        return self._compiled is not None

    @property
    def compiled_signatures(self) -> frozenset:
        """The input signatures (see ``signature``) that run compiled code."""
        return frozenset(self._signatures)

    def _wants_compiled(self, args, kwargs) -> bool:
        sig = signature((args, kwargs))
        repeated, self._last_eager = sig == self._last_eager, None
        if sig in self._signatures:
            return True
        if len(self._signatures) < MAX_SIGNATURES and (not self._signatures or repeated):
            self._signatures.add(sig)
            return True
        self._last_eager = sig
        return False

    def __call__(self, *args, **kwargs):
        if self._compiled is None or not self._wants_compiled(args, kwargs):
            return self._fn(*args, **kwargs)
        try:
            return self._compiled(*args, **kwargs)
        except torch._dynamo.exc.TorchDynamoException as e:  # eager re-raises genuine user errors
            self._compiled = None
            cause = getattr(e, "inner_exception", None) or e
            text = str(cause).strip().splitlines()
            warnings.warn(
                f"jit_compile=True: torch.compile could not compile {self._what} "
                f"({type(cause).__name__}: {text[0] if text else ''}); running it eagerly instead.",
                stacklevel=3)
            return self._fn(*args, **kwargs)
