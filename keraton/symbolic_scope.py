"""``keras.SymbolicScope``: marks code that runs on symbolic tensors (shape inference)."""

from __future__ import annotations

import threading

_STACK: list = []


def get_symbolic_scope():
    """The innermost open :class:`SymbolicScope`, or ``None``."""
    return _STACK[-1] if _STACK else None


def in_symbolic_scope() -> bool:
    """Whether a :class:`SymbolicScope` is open."""
    return bool(_STACK)


class SymbolicScope:
    """Scope telling code it runs at the symbolic stage, as ``keras.SymbolicScope``.

    Keras opens it while it infers output shapes; code can ask
    :func:`in_symbolic_scope`.  keraton's functional API does not depend on
    it, so opening one changes nothing else.

    Example:

    >>> with SymbolicScope():
    ...     in_symbolic_scope()
    True
    """

    def __enter__(self):
        _STACK.append(self)
        return self

    def __exit__(self, *exc_info):
        _STACK.remove(self)
        return False


# Depth of keraton's own shape inference (a layer's ``call`` run on placeholder values to
# find its output shapes), per thread: a data-loading thread inferring shapes must not affect
# the training thread. Updates of variables are dropped there, as Keras drops them by
# inferring shapes inside a ``StatelessScope``: placeholders must not move a layer's state.
_INFERRING_SHAPES = threading.local()


class InferringShapes(SymbolicScope):
    """The ``SymbolicScope`` of keraton's shape inference: variable updates inside are dropped."""

    def __enter__(self):
        _INFERRING_SHAPES.depth = getattr(_INFERRING_SHAPES, "depth", 0) + 1
        return super().__enter__()

    def __exit__(self, *exc_info):
        _INFERRING_SHAPES.depth -= 1
        return super().__exit__(*exc_info)


def inferring_shapes() -> bool:
    """Whether this thread is running a layer on placeholders to infer its output shapes."""
    return getattr(_INFERRING_SHAPES, "depth", 0) > 0
