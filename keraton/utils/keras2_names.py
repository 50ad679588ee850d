"""Keras 2 names that Keras 3 removed: one warning per name, and the module aliases' lazy lookup.

Keras 2 programs import from ``keras.layers.recurrent``, call
``model.fit_generator``... keraton runs them, and says once per process
what the Keras 3 spelling is.

Example:
    >>> warn_keras2_name("keras.layers.recurrent", "`keras.layers`")  # warns the first time only
"""

from __future__ import annotations

import importlib
import warnings

_WARNED: set = set()


def warn_keras2_name(name: str, replacement: str, stacklevel: int = 3) -> None:
    """Warn once per process that ``name`` is a Keras 2 name removed in Keras 3, naming ``replacement``."""
    if name in _WARNED:
        return
    _WARNED.add(name)
    warnings.warn(f"`{name}` is a Keras 2 name, deprecated and removed in Keras 3; keraton "
                  f"runs it, but use {replacement} instead.", UserWarning, stacklevel=stacklevel)


def lazy_aliases(module_name: str, aliases: dict):
    """A module ``__getattr__`` serving Keras 2 names that now live elsewhere.

    ``aliases`` maps each name to the module that defines it
    (``{"Dropout": "keraton.layers.regularization"}``); the import happens on
    first access, which avoids circular imports between layer families, and
    warns once that the Keras 2 path is deprecated.
    """

    def __getattr__(name):
        if name not in aliases:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        home = "keras.layers" if ".layers." in module_name else aliases[name].replace(
            "keraton", "keras", 1)
        # stacklevel 4: past this function and the module's own __getattr__, to the import.
        warn_keras2_name(f"{module_name.replace('keraton', 'keras', 1)}.{name}",
                         f"`{home}.{name}`", stacklevel=4)
        return getattr(importlib.import_module(aliases[name]), name)

    return __getattr__
