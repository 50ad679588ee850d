"""``keras.SymbolicScope``: marks code that runs on symbolic tensors (shape inference)."""

from __future__ import annotations

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
