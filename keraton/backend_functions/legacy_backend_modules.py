"""Standalone Keras 2's backend module paths: ``keras.backend.tensorflow_backend`` and ``keras.backend.common``.

Keras 2 programs write ``from keras.backend.tensorflow_backend import
set_session`` or ``K.tensorflow_backend._get_available_gpus()``.  keraton's
:mod:`keraton.backend` is a plain module, not a package, so these two are
module objects made here and registered in ``sys.modules`` by
:func:`register`.  Each serves every name of :mod:`keraton.backend` (looked up
on use, so later changes to it show); the first name taken
from one warns once that the path is a Keras 2 name (Keras 3 has only
``keras.backend``).

Example:
    >>> from keraton.backend.tensorflow_backend import set_session  # Keras 2 spelling
    >>> set_session(None)
"""

from __future__ import annotations

import importlib.machinery
import sys
import types

_MODULE_NAMES = ("tensorflow_backend", "common")


class LegacyBackendModule(types.ModuleType):
    """A Keras 2 backend submodule whose attributes are :mod:`keraton.backend`'s, looked up lazily."""

    def __init__(self, name: str, backend_module: types.ModuleType):
        super().__init__(name, f"Keras 2's ``{name.replace('keraton', 'keras', 1)}``: the "
                         f"functions of ``{backend_module.__name__}``.")
        self.__package__ = backend_module.__name__
        self.__spec__ = importlib.machinery.ModuleSpec(name, None)
        self.__dict__["_backend"] = backend_module

    def _keras_name(self) -> str:
        return self.__name__.replace("keraton", "keras", 1)

    def __getattr__(self, name):
        from keraton.utils.keras2_names import warn_keras2_name

        if name.startswith("__"):  # import machinery and introspection probes: not backend names
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        try:
            value = getattr(self._backend, name)
        except AttributeError:
            raise AttributeError(f"module {self._keras_name()!r} has no attribute {name!r} "
                                 "in keraton: it is not a keras.backend function.") from None
        warn_keras2_name(self._keras_name(), "`keras.backend`")
        return value

    def __dir__(self):
        return dir(self._backend)

    def __repr__(self) -> str:
        return f"<module {self.__name__!r} (Keras 2 alias of keraton.backend)>"


def register(backend_module: types.ModuleType) -> None:
    """Make ``<backend>.tensorflow_backend`` and ``<backend>.common`` importable module attributes.

    Sets them as attributes of ``backend_module`` (``K.tensorflow_backend``) and
    puts them in ``sys.modules`` under ``<backend>.<name>``, which lets
    ``import keraton.backend.tensorflow_backend`` find them although
    ``keraton.backend`` is not a package.
    """
    for short_name in _MODULE_NAMES:
        full_name = f"{backend_module.__name__}.{short_name}"
        module = sys.modules.get(full_name)
        if not isinstance(module, LegacyBackendModule):
            module = LegacyBackendModule(full_name, backend_module)
            sys.modules[full_name] = module
        setattr(backend_module, short_name, module)
