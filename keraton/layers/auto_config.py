"""Keras 3's automatic layer config: a layer class without ``get_config`` saves its constructor arguments."""

from __future__ import annotations

import inspect

from keraton.utils import tree

# Keras relies on the captured arguments only when they are all of these types.
_SUPPORTED_TYPES = (str, int, float, bool, type(None))


def capture_constructor_arguments(cls, args, kwargs) -> dict | None:
    """The arguments ``cls(*args, **kwargs)`` binds, for ``get_config``; ``None`` when unusable.

    As Keras 3's ``Operation.__new__``: defaults are filled in, a ``**kwargs``
    parameter is expanded, ``name`` is left out (the config has its own), and
    nothing is captured when an argument is positional-only or variadic
    positional, or when a value (nests walked) is not a str, int, float, bool
    or None.

    Example:
        >>> class Scale(keraton.layers.Layer):
        ...     def __init__(self, factor, offset=0.0, **kwargs):
        ...         super().__init__(**kwargs)
        >>> capture_constructor_arguments(Scale, (2.0,), {"name": "s"})
        {'factor': 2.0, 'offset': 0.0}
    """
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    self_name, *params = signature.parameters.values()
    if any(p.kind == p.POSITIONAL_ONLY for p in params):
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(self_name.name)
    for p in params:
        if p.kind == p.VAR_KEYWORD:
            arguments.update(arguments.pop(p.name, {}))
        elif p.kind == p.VAR_POSITIONAL and arguments.pop(p.name, ()):
            return None
    arguments.pop("name", None)
    try:
        if not all(isinstance(v, _SUPPORTED_TYPES) for v in tree.flatten(arguments)):
            return None
    except TypeError:
        return None
    return arguments


def init_takes_name(layer) -> bool:
    """Whether ``type(layer)(name=...)`` is accepted: a ``name`` or ``**kwargs`` parameter."""
    params = inspect.signature(type(layer).__init__).parameters.values()
    return any(p.name == "name" or p.kind == p.VAR_KEYWORD for p in params)
