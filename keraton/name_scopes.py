"""Name scopes: where a variable's ``path`` comes from (``keras.name_scope``).

A variable's ``path`` is the names of the scopes open when it was created
joined with its own name, as in Keras 3: a Dense built inside a Sequential
named ``sequential`` owns ``sequential/dense/kernel``; one built by a
functional model's graph (called on an ``Input`` at top level) owns
``dense/kernel``; a Bidirectional LSTM's cell owns
``bidirectional/forward_lstm/lstm_cell/kernel``.  Layers open their scope
around ``build``, around their first calls and in ``add_weight``; optimizers
and metrics open theirs when they create state.

As in Keras, a scope entered for an object (``caller``) that already has a
parent path (``caller._parent_path``, fixed the first time a layer opens its
scope) starts from that path rather than from the scopes around it, and a
scope entered again for the object whose scope is innermost is not pushed a
second time.
"""

from __future__ import annotations

import threading

_STATE = threading.local()


def _stack() -> list:
    stack = getattr(_STATE, "stack", None)
    if stack is None:
        stack = _STATE.stack = []
    return stack


class name_scope:
    """A context manager that adds ``name`` to the paths of variables created inside it.

    ``name_scope(name, caller=None, deduplicate=True, override_parent=None)``,
    Keras 3's signature.  ``caller``: the object the scope belongs to (a layer,
    an optimizer); with ``deduplicate``, entering the scope of the innermost
    scope's own caller and name again changes nothing.  ``override_parent``: a
    path to start from instead of the scopes around this one (for a caller
    with ``_parent_path`` that path is used).

    >>> with name_scope("block"):
    ...     keraton.Variable(0.0, name="v").path
    'block/v'
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                "name_scope: argument `name` must be a string without the character '/'. "
                f"Received: name={name!r}")
        self._setup(name, caller, deduplicate, override_parent)

    def _setup(self, name, caller, deduplicate, override_parent):
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        if override_parent is None and deduplicate:
            override_parent = getattr(caller, "_parent_path", None)
        self.override_parent = override_parent
        self._pushed = False

    @classmethod
    def _for(cls, name, caller, override_parent=None) -> name_scope:
        """The scope of a layer, metric or optimizer (its name is not validated: Keras 2
        files can hold names with '/')."""
        scope = cls.__new__(cls)
        scope._setup(name, caller, True, override_parent)
        return scope

    def __enter__(self) -> name_scope:
        stack = _stack()
        if self.deduplicate and stack:
            top = stack[-1]
            if self.caller is not None and top.caller is self.caller and top.name == self.name:
                return self
        if self.override_parent is not None:
            parent = self.override_parent
        else:
            parent = stack[-1].path if stack else ""
        self.path = f"{parent}/{self.name}" if parent else self.name
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pushed:
            self._pushed = False
            stack = _stack()
            if stack and stack[-1] is self:
                stack.pop()


def current_path() -> str:
    """The path of the innermost open name scope (``""`` when none is open)."""
    stack = _stack()
    return stack[-1].path if stack else ""


def join_path(name: str) -> str:
    """``name`` under the innermost open scope: the ``path`` a variable created now gets."""
    parent = current_path()
    return f"{parent}/{name}" if parent else name
