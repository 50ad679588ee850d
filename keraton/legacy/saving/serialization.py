"""tf.keras 2's object serialization, kept by Keras 3 as ``keras.legacy.saving``.

An object is written as ``{"class_name": ..., "config": ...}``: no ``module``
or ``registered_name``; the class name is the registered ``"package>name"`` of a
registered class, else the class's own name.  A function is written as its
(registered) name.  Objects found inside a config are serialized in place and
flagged ``"__passive_serialization__"`` so loading turns them back into objects;
configs that are already dicts (Keras 3's nested entries) are kept as they are.

Loading finds classes by name only, in ``custom_objects``, the active
``custom_object_scope``, the registry and ``module_objects``; nothing is
evaluated.  Within ``SharedObjectSavingScope``/``SharedObjectLoadingScope`` an
object referenced twice is written once with a ``shared_object_id`` and loaded
as one object, as tf.keras 2 did for layers shared between models.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import weakref

from keraton.saving.object_registration import (
    GLOBAL_CUSTOM_NAMES,
    GLOBAL_CUSTOM_OBJECTS,
    custom_object_scope,
    get_registered_object,
)

SHARED_OBJECT_KEY = "shared_object_id"
PASSIVE_SERIALIZATION_KEY = "__passive_serialization__"
# The config written, under skip_failed_serialization(), for an object whose get_config raises.
LAYER_UNDEFINED_CONFIG_KEY = "layer was saved without config"

_STATE = threading.local()  # .saving / .loading: the active shared-object scopes; .skip_failed


class SharedObjectConfig(dict):
    """A serialized config that gains a ``shared_object_id`` once it is referenced twice."""

    def __init__(self, base_config: dict, object_id: int):
        super().__init__(base_config)
        self.object_id = object_id
        self.ref_count = 1

    def increment_ref_count(self) -> None:
        if self.ref_count == 1:
            self[SHARED_OBJECT_KEY] = self.object_id
        self.ref_count += 1


class SharedObjectSavingScope:
    """Context manager: objects serialized twice inside it share one config with a ``shared_object_id``.

    Nested scopes reuse the outermost one, as in Keras.
    """

    def __enter__(self):
        outer = getattr(_STATE, "saving", None)
        self._passthrough = outer is not None
        if outer is not None:
            return outer
        self._configs = weakref.WeakKeyDictionary()
        self._next_id = 0
        _STATE.saving = self
        return self

    def __exit__(self, *exc_info):
        if not self._passthrough:
            _STATE.saving = None

    def get_config(self, obj):
        """The config already written for ``obj`` (its reference count raised), or ``None``."""
        try:
            config = self._configs[obj]
        except (KeyError, TypeError):  # not seen yet, or not weak-referenceable/hashable
            return None
        config.increment_ref_count()
        return config

    def create_config(self, base_config: dict, obj) -> SharedObjectConfig:
        """Record ``base_config`` as the config of ``obj`` and return its shared form."""
        config = SharedObjectConfig(base_config, self._next_id)
        self._next_id += 1
        with contextlib.suppress(TypeError):
            self._configs[obj] = config
        return config


class SharedObjectLoadingScope:
    """Context manager: configs with the same ``shared_object_id`` load as one object inside it."""

    def __enter__(self):
        self._objects = {}
        self._outer = getattr(_STATE, "loading", None)
        _STATE.loading = self
        return self

    def __exit__(self, *exc_info):
        _STATE.loading = self._outer

    def get(self, object_id):
        """The object already loaded for ``object_id``, or ``None``."""
        return None if object_id is None else self._objects.get(object_id)

    def set(self, object_id, obj) -> None:
        """Remember ``obj`` as the object loaded for ``object_id``."""
        if object_id is not None:
            self._objects[object_id] = obj


@contextlib.contextmanager
def skip_failed_serialization():
    """Within it, an object whose ``get_config`` raises ``NotImplementedError`` is written with
    ``{"layer was saved without config": True}`` as its config instead of failing (as Keras)."""
    previous = getattr(_STATE, "skip_failed", False)
    _STATE.skip_failed = True
    try:
        yield
    finally:
        _STATE.skip_failed = previous


def serialize_keras_class_and_config(cls_name, cls_config, obj=None, shared_object_id=None) -> dict:
    """``{"class_name": cls_name, "config": cls_config}``, shared through the active saving scope."""
    base_config = {"class_name": cls_name, "config": cls_config}
    if shared_object_id is not None:
        base_config[SHARED_OBJECT_KEY] = shared_object_id
    scope = getattr(_STATE, "saving", None)
    if scope is None or obj is None:
        return base_config
    shared = scope.get_config(obj)
    return scope.create_config(base_config, obj) if shared is None else shared


def _class_name(cls) -> str:
    cls = cls.__dict__.get("_serialized_as", cls)  # a user Model subclass runs in a derived class
    # As Keras: the Python class name, even where the exported name differs (GroupQueryAttention)
    return GLOBAL_CUSTOM_NAMES.get(cls, cls.__name__)


def serialize_keras_object(instance):
    """Serialize ``instance`` in tf.keras 2's format, as ``keras.legacy.saving.serialize_keras_object``.

    Returns ``None`` for ``None``, the registered name (or ``__name__``) for a
    function, and ``{"class_name", "config"}`` for an object with ``get_config``.
    Raises ``ValueError`` for anything else (numbers, strings, lists included).

    Example:

    >>> import keraton as keras
    >>> keras.legacy.saving.serialize_keras_object(keras.initializers.Zeros())
    {'class_name': 'Zeros', 'config': {}}
    """
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        name = _class_name(type(instance))
        try:
            config = instance.get_config()
        except NotImplementedError:
            if getattr(_STATE, "skip_failed", False):
                return serialize_keras_class_and_config(name, {LAYER_UNDEFINED_CONFIG_KEY: True})
            raise
        serialized = {}
        for key, item in config.items():
            if isinstance(item, str):
                serialized[key] = item
                continue
            try:
                value = serialize_keras_object(item)
            except ValueError:  # a plain value (number, list, Keras 3 entry dict): kept as it is
                serialized[key] = item
                continue
            if isinstance(value, dict) and not isinstance(item, dict):
                value[PASSIVE_SERIALIZATION_KEY] = True
            serialized[key] = value
        return serialize_keras_class_and_config(name, serialized, instance)
    if hasattr(instance, "__name__"):
        return GLOBAL_CUSTOM_NAMES.get(instance, instance.__name__)
    raise ValueError(
        f"Cannot serialize {instance!r} (of type {type(instance).__name__}): the legacy format "
        "writes only objects with a get_config() method and named functions. Implement "
        "get_config() on its class, or store the value itself instead of serializing it."
    )


def _unknown(printable_module_name: str, name) -> ValueError:
    return ValueError(
        f"Unknown {printable_module_name}: '{name}'. Pass it in custom_objects={{'{name}': ...}}, "
        "use keras.saving.custom_object_scope, or register it with "
        "@keras.saving.register_keras_serializable()."
    )


def _from_keras2(cls, class_name: str, cls_config: dict) -> dict:
    """A tf.keras 2 layer or model config (``batch_input_shape``, list ``inbound_nodes``,
    Keras-2-only arguments) in the Keras 3 form keraton's ``from_config`` reads."""
    from keraton.layers import Layer
    from keraton.saving.legacy_config import from_keras2

    if not (inspect.isclass(cls) and issubclass(cls, Layer)):
        return cls_config
    return from_keras2({"class_name": class_name, "config": cls_config})["config"]


def class_and_config_for_serialized_keras_object(config, module_objects=None, custom_objects=None,
                                                 printable_module_name="object"):
    """The class a legacy config names and its config, objects and functions in it loaded."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            f"Improper config format for {config!r}: expected a dict with the keys 'class_name' "
            "and 'config', as serialize_keras_object writes it."
        )
    class_name = config["class_name"]
    cls = get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:
        raise _unknown(printable_module_name, class_name)
    cls_config = config["config"]
    if isinstance(cls_config, list):  # Keras 2.0's Sequential: a bare list of layer configs
        return cls, cls_config
    cls_config = _from_keras2(cls, class_name, dict(cls_config))
    for key, item in cls_config.items():
        if key == "name":  # a name is never a function, even one a custom function shares
            continue
        if isinstance(item, dict) and PASSIVE_SERIALIZATION_KEY in item:
            cls_config[key] = deserialize_keras_object(item, module_objects, custom_objects, "config_item")
        elif isinstance(item, str):
            # tf.keras 2 wrote functions by name: a name that finds a function is that function
            fn = get_registered_object(item, custom_objects, module_objects)
            if inspect.isfunction(fn):
                cls_config[key] = fn
    return cls, cls_config


def _instantiate(cls, cls_config, custom_objects):
    custom_objects = custom_objects or {}
    if not hasattr(cls, "from_config"):  # a factory function: the config holds its keyword arguments
        with custom_object_scope(custom_objects):
            return cls(**cls_config)
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(cls_config, custom_objects={**GLOBAL_CUSTOM_OBJECTS, **custom_objects})
    with custom_object_scope(custom_objects):
        return cls.from_config(cls_config)


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Load an object from tf.keras 2's serialized form, as ``keras.legacy.saving.deserialize_keras_object``.

    ``identifier`` is ``None``, a ``{"class_name", "config"}`` dict, a name, or
    an already loaded function.  Classes and functions are looked up in
    ``custom_objects``, the active custom-object scope, the registry, then
    ``module_objects`` (e.g. ``vars(keras.layers)``): built-in classes are found
    only through ``module_objects``.  A name of a class gives an instance made
    with no arguments.  Bad input raises ``ValueError`` naming
    ``printable_module_name``.

    Example:

    >>> import keraton as keras
    >>> config = {"class_name": "Dense", "config": {"units": 2, "activation": "relu"}}
    >>> keras.legacy.saving.deserialize_keras_object(config, vars(keras.layers)).units
    2
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls, cls_config = class_and_config_for_serialized_keras_object(
            identifier, module_objects, custom_objects, printable_module_name)
        scope = getattr(_STATE, "loading", None)
        object_id = identifier.get(SHARED_OBJECT_KEY)
        shared = scope.get(object_id) if scope is not None else None
        if shared is not None:  # loaded already: one object for every reference
            return shared
        obj = _instantiate(cls, cls_config, custom_objects)
        if scope is not None:
            scope.set(object_id, obj)
        return obj
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            obj = custom_objects[identifier]
        else:
            obj = get_registered_object(identifier, None, module_objects)
        if obj is None:
            raise _unknown(printable_module_name, identifier)
        return obj() if inspect.isclass(obj) else obj
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret serialized {printable_module_name}: {identifier!r}. Expected None, "
        "a name, a function, or a dict with 'class_name' and 'config'."
    )
