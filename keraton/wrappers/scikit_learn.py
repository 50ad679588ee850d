"""Keras 2's ``keras.wrappers.scikit_learn``: ``KerasClassifier`` and ``KerasRegressor``.

Keras 3 removed this module (its wrappers are ``keras.wrappers.SKLearnClassifier``/
``SKLearnRegressor``; scikeras continues Keras 2's). keraton keeps the path for Keras 2
programs: the names are keraton's scikeras-style wrappers, which take Keras 2's ``build_fn=``
and ``sk_params`` keyword arguments, and importing the path warns once per process.

Example:
    >>> from keraton.wrappers.scikit_learn import KerasClassifier  # warns the first time
    >>> clf = KerasClassifier(build_fn=make_model, epochs=2, batch_size=8, units=16)
"""

from keraton.utils.keras2_names import warn_keras2_name
from keraton.wrappers.sklearn_wrapper import KerasClassifier, KerasRegressor

__all__ = ["KerasClassifier", "KerasRegressor"]

warn_keras2_name("keras.wrappers.scikit_learn",
                 "`keras.wrappers.KerasClassifier`/`KerasRegressor` (scikeras's design)")
