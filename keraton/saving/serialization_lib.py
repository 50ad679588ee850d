"""Keras 3's object serialization format, for every configurable keraton object.

``serialize_keras_object(obj)`` returns the dict Keras 3 writes into
``config.json`` (``module``, ``class_name``, ``config``, ``registered_name``);
``deserialize_keras_object`` turns such a dict (or a bare name) back into an
object.  Nothing is ever evaluated or unpickled: classes are found by name only.
"""

from __future__ import annotations

import inspect
import types

from keraton.saving.object_registration import (
    custom_object_scope,
    get_registered_name,
    get_registered_object,
)

# keraton module -> the module name Keras 3 writes for the same family.
_KERAS_MODULES = {
    "layers": "keras.layers",
    "models": "keras",
    "optimizers": "keras.optimizers",
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "initializers": "keras.initializers",
    "regularizers": "keras.regularizers",
    "constraints": "keras.constraints",
    "activations": "keras.activations",
    "callbacks": "keras.callbacks",
    "utils": "keras.utils",
    "distillation": "keras.distillation",
}


def _keras_module_of(obj) -> str | None:
    cls = obj if isinstance(obj, type) else type(obj)
    # A keraton class may name the module Keras writes for it; a user's subclass of it
    # is written as Keras writes any user class (by its own module).
    explicit = getattr(cls, "_keras_module", None) if is_builtin(cls) else None
    if explicit:
        return explicit
    parts = cls.__module__.split(".")
    if parts[0] != "keraton":
        # As Keras: a class defined in the running script is written with no module.
        return None if cls.__module__ == "__main__" else cls.__module__
    if len(parts) > 1 and parts[1] in _KERAS_MODULES:
        return _KERAS_MODULES[parts[1]]
    return "keras"


def is_builtin(obj) -> bool:
    """Whether ``obj`` (a class, function or instance) is keraton's own."""
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type)):
        module = obj.__module__
    else:
        module = type(obj).__module__
    return (module or "").split(".")[0] == "keraton"


def serialize_keras_object(obj):
    """Return Keras 3's serialized form of ``obj``: a dict, a name, or a plain value."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return _serialize_dict(obj)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        if is_builtin(obj):
            return obj.__name__
        return serialize_function(obj)
    if hasattr(obj, "get_config"):
        # a ``UserModel(inputs, outputs)`` instance runs in a Functional-derived copy of
        # the user's class (``models.model._with_functional``); it is saved as the user's class
        cls = type(obj).__dict__.get("_serialized_as", type(obj))
        serialized = {
            "module": _keras_module_of(cls),
            "class_name": getattr(cls, "_keras_class_name", cls.__name__),
            # As Keras: objects inside the config (a layer a custom layer keeps, an
            # initializer instance) are serialized too; from_config gets them as dicts.
            "config": _serialize_dict(obj.get_config()),
            "registered_name": None if is_builtin(obj) else get_registered_name(cls),
        }
        # As Keras: a built layer's entry says the input shape it was built for.
        build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
        if build_config is not None:
            serialized["build_config"] = build_config
        # and a model's the arguments it was compiled with ({} when it was not)
        if hasattr(obj, "get_compile_config"):
            serialized["compile_config"] = obj.get_compile_config()
        return serialized
    if hasattr(obj, "tolist"):  # numpy arrays and scalars in configs
        return obj.tolist()
    raise TypeError(
        f"Cannot serialize {obj!r} of type {type(obj).__name__}: give it a get_config() method "
        "and register it with keraton.saving.register_keras_serializable()."
    )


def serialize_function(fn) -> dict:
    """Keras 3.15's entry for a named function, built-in or registered.

    The registered name ("package>name", or the bare name) is the config,
    "function" the registered_name and "builtins" the module; a keraton
    function is found again by name in Keras's built-in families.
    """
    return {
        "module": "builtins",
        "class_name": "function",
        "config": fn.__name__ if is_builtin(fn) else get_registered_name(fn),
        "registered_name": "function",
    }


# As Keras's ``BUILTIN_MODULES``: where a "builtins" function entry is looked up by name.
_BUILTIN_FUNCTION_FAMILIES = ("activations", "constraints", "initializers", "losses", "metrics",
                              "optimizers", "regularizers")


def _builtin_function(name):
    import importlib

    for family in _BUILTIN_FUNCTION_FAMILIES:
        obj = getattr(importlib.import_module(f"keraton.{family}"), name, None)
        if callable(obj) and not inspect.isclass(obj):
            return obj
    return None


def _serialize_dict(config: dict) -> dict:
    """Serialize the values of a config dict, keeping tuples (Keras's ``serialize_dict``)."""
    return {key: _serialize_value(value) for key, value in config.items()}


def _serialize_value(value):
    if isinstance(value, tuple):
        return tuple(_serialize_value(v) for v in value)
    if isinstance(value, list):
        return [_serialize_value(v) for v in value]
    if isinstance(value, dict):
        return _serialize_dict(value)
    if hasattr(value, "get_config") and not isinstance(value, type):
        return serialize_keras_object(value)
    return value


def deserialize_keras_object(config, module_objects: dict | None = None, custom_objects=None,
                             kind: str = "object"):
    """Rebuild an object from Keras 3's serialized form.

    ``module_objects`` maps class or function names of one family (e.g. all
    losses) to the objects; ``custom_objects`` adds user ones.  Unknown names
    raise a ``ValueError`` that names the class and tells how to register it.
    """
    if config is None:
        return None
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            raise UnknownObjectError(_unknown(kind, config))
        return obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize {kind} from {config!r}: expected a dict with 'class_name'.")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "function":
        name = config.get("registered_name") or inner
        obj = get_registered_object(name, custom_objects, module_objects)
        if obj is None:
            obj = get_registered_object(inner, custom_objects, module_objects)
        if obj is None and config.get("module") == "builtins" and isinstance(inner, str):
            obj = _builtin_function(inner)
        if obj is None:
            raise UnknownObjectError(_unknown(kind, name))
        return obj
    registered = config.get("registered_name")
    cls = None
    if registered:
        cls = get_registered_object(registered, custom_objects, module_objects)
    if cls is None:
        cls = get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:  # as Keras, the recorded module finds built-in classes of any family
        # (keras.utils.FeatureSpace, keras.src.applications.convnext.LayerScale)
        cls = _builtin_from_module(config.get("module"), class_name)
    if cls is None:
        raise UnknownObjectError(_unknown(kind, class_name))
    if not inspect.isclass(cls):
        return cls
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        obj = cls.from_config(inner, custom_objects=custom_objects)
    elif custom_objects:
        # As Keras: custom objects stay visible to the ``*.get(...)`` calls a constructor
        # makes (a Dense's custom ``kernel_initializer``/``kernel_regularizer`` config).
        with custom_object_scope(custom_objects):
            obj = cls.from_config(inner)
    else:
        obj = cls.from_config(inner)
    _build_from_entry(obj, config.get("build_config"))
    compile_config = config.get("compile_config")
    if compile_config and hasattr(obj, "compile_from_config"):  # as Keras: compiled again
        from keraton.saving.keras_config import compile_from_config

        compile_from_config(obj, compile_config, custom_objects)
    return obj


def _build_from_entry(obj, build_config) -> None:
    """Build a deserialized layer from its entry's ``build_config``, as Keras does.

    A layer whose ``build_from_config`` cannot read the entry (a format written
    by another library) is left unbuilt with a warning: it builds on its first call.
    """
    if not isinstance(build_config, dict) or getattr(obj, "built", True):
        return
    if not hasattr(obj, "build_from_config"):
        return
    try:
        obj.build_from_config(build_config)
    except (TypeError, ValueError, KeyError, IndexError, RuntimeError) as e:
        import warnings

        warnings.warn(
            f"Could not build {type(obj).__name__} '{getattr(obj, 'name', '')}' from its "
            f"build_config {build_config!r} ({type(e).__name__}: {e}); it will be built on its "
            "first call instead.", stacklevel=3)


def _builtin_from_module(module, name):
    """The keraton class a Keras ``"module"`` entry names (``"keras.layers"`` + ``"Dense"``).

    Lets the family-agnostic ``keras.utils.deserialize_keras_object`` rebuild
    built-in objects, as Keras does from the module recorded in the config.
    """
    if not isinstance(module, str) or module.split(".")[0] != "keras":
        return None
    import importlib

    parts = module.split(".")[1:]
    if parts[:2] == ["src", "applications"] and len(parts) == 3:  # an application's own layers
        try:
            target = importlib.import_module(f"keraton.applications.{parts[2]}")
        except ImportError:
            return None
        obj = getattr(target, name, None)
        return obj if inspect.isclass(obj) else None
    if parts and "src" not in parts:  # a public module: keras.experimental, keras.models.experimental
        try:
            obj = getattr(importlib.import_module("keraton." + ".".join(parts)), name, None)
        except ImportError:
            obj = None
        if inspect.isclass(obj):
            return obj
    family = next((f for f in _KERAS_MODULES if f in parts), None)
    target = importlib.import_module("keraton" if family is None else f"keraton.{family}")
    obj = getattr(target, name, None)
    return obj if inspect.isclass(obj) or callable(obj) else None


class UnknownObjectError(TypeError, ValueError):
    """A config names a class or function that is neither keraton's nor registered.

    Keras 3 raises ``TypeError`` ("Could not locate class ..."), tf.keras 2
    ``ValueError`` ("Unknown layer ..."): this is both, so either ``except``
    written for Keras catches it.
    """


def _unknown(kind: str, name) -> str:
    return (
        f"Unknown {kind} {name!r} in the config. If it is a custom class or function, pass it in "
        f"custom_objects={{{name!r}: ...}} or decorate it with "
        "@keraton.saving.register_keras_serializable()."
    )
