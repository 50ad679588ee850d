"""scikit-learn wrappers for keraton models: ``KerasClassifier`` and ``KerasRegressor``.

They follow scikeras's design; ``keraton.wrappers.scikit_learn`` is Keras 2's import path.
scikit-learn is imported on first use, so ``import keraton`` does not pay for it.

Example:
    >>> from keraton.wrappers import KerasClassifier
    >>> clf = KerasClassifier(model=build, epochs=5, verbose=0)
"""

import importlib

__all__ = ["KerasClassifier", "KerasRegressor", "scikit_learn"]


def __getattr__(name):
    if name in __all__:
        module = importlib.import_module("keraton.wrappers.scikit_learn")
        return module if name == "scikit_learn" else getattr(module, name)
    raise AttributeError(f"module 'keraton.wrappers' has no attribute {name!r}")
