"""scikit-learn wrappers for keraton models: ``KerasClassifier`` and ``KerasRegressor``.

They follow scikeras's design and live in ``sklearn_wrapper.py`` (Keras 3's file name);
``keraton.wrappers.scikit_learn`` is Keras 2's import path, which warns once that it is deprecated.
scikit-learn is imported on first use, so ``import keraton`` does not pay for it.

Example:
    >>> from keraton.wrappers import KerasClassifier
    >>> clf = KerasClassifier(model=build, epochs=5, verbose=0)
"""

import importlib

__all__ = ["KerasClassifier", "KerasRegressor", "SKLearnClassifier", "SKLearnRegressor",
           "SKLearnTransformer", "scikit_learn"]
# Keras 3's own wrappers (keras.wrappers.SKLearn*), next to the scikeras-style ones.
_KERAS3_WRAPPERS = ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer")


def __getattr__(name):
    if name == "scikit_learn":  # Keras 2's path: importing it warns once
        return importlib.import_module("keraton.wrappers.scikit_learn")
    if name in _KERAS3_WRAPPERS:
        return getattr(importlib.import_module("keraton.wrappers.sklearn_keras3"), name)
    if name in __all__:
        return getattr(importlib.import_module("keraton.wrappers.sklearn_wrapper"), name)
    raise AttributeError(f"module 'keraton.wrappers' has no attribute {name!r}")
