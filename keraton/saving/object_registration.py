"""Registry of user classes and functions for (de)serialization, as in Keras.

``register_keras_serializable(package, name)`` records a class under
``"package>name"``; ``custom_object_scope`` makes extra objects visible while
loading.  Both match ``keras.saving``.
"""

from __future__ import annotations

import contextlib
import threading

GLOBAL_CUSTOM_OBJECTS: dict = {}
GLOBAL_CUSTOM_NAMES: dict = {}
_SCOPE = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Class/function decorator that registers an object for loading by ``"package>name"``."""

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if isinstance(arg, type) and not hasattr(arg, "get_config"):
            raise ValueError(
                f"Cannot register {arg.__name__}: a registered class must implement get_config()."
            )
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """Return the name ``obj`` was registered under, or its ``__name__``."""
    return GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects=None):
    """Find ``name`` in the active custom-object scope, ``custom_objects``, the registry, then ``module_objects``."""
    for scope in getattr(_SCOPE, "stack", []):
        if name in scope:
            return scope[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict):
    """Context manager that makes ``custom_objects`` visible to deserialization, as in Keras."""
    stack = getattr(_SCOPE, "stack", None)
    if stack is None:
        stack = _SCOPE.stack = []
    stack.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope


def get_custom_objects() -> dict:
    """Return the global dict of registered objects (Keras's ``get_custom_objects``)."""
    return GLOBAL_CUSTOM_OBJECTS
