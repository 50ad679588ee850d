"""``KerasClassifier`` and ``KerasRegressor``: keraton models as scikit-learn estimators.

They follow scikeras's design (the successor of Keras 2's ``keras.wrappers.scikit_learn``):
``model=`` a model or a callable, routed parameters such as ``model__units``, clonable, usable
in ``GridSearchCV`` and ``Pipeline``. Keras 2's import path, ``keraton.wrappers.scikit_learn``,
re-exports them with a deprecation warning.
"""

import numpy as np

from keraton.wrappers.base_wrapper import BaseWrapper

try:
    from sklearn.base import ClassifierMixin, RegressorMixin
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils.multiclass import type_of_target
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    ClassifierMixin = RegressorMixin = object


def _output_width(model, n_features):
    outputs = getattr(model, "outputs", None)
    if outputs:
        return outputs[0].shape[-1]
    return int(np.asarray(model.predict(np.zeros((1, n_features), np.float32), verbose=0)).shape[-1])


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """A scikit-learn classifier around a keraton model, as scikeras's ``KerasClassifier``.

    Labels of any type are encoded with a ``LabelEncoder`` (``classes_``). A model with one
    output unit is trained as binary (``binary_crossentropy`` on 0/1 targets, ``predict_proba``
    gives ``[1 - p, p]``); a model with ``n_classes_`` outputs as multiclass
    (``sparse_categorical_crossentropy`` on class indices, or one-hot targets when the loss is
    ``categorical_crossentropy``). Multilabel/multioutput targets are not supported.

    Example:
        >>> def build(meta, units=16):
        ...     return keraton.Sequential([keraton.Input((meta["n_features_in_"],)),
        ...                                keraton.layers.Dense(units, activation="relu"),
        ...                                keraton.layers.Dense(meta["n_classes_"], activation="softmax")])
        >>> clf = KerasClassifier(model=build, model__units=8, epochs=10, verbose=0).fit(X, y)
        >>> clf.predict_proba(X).shape
        (100, 3)
    """

    _y_numeric = False
    _multi_output = False

    def _meta(self):
        return {"n_features_in_": self.n_features_in_, "classes_": self.classes_,
                "n_classes_": self.n_classes_, "n_outputs_": 1, "target_type_": self.target_type_}

    def _encode_target(self, y, reset):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if reset:
            target_type = type_of_target(y)
            if target_type not in ("binary", "multiclass"):
                raise ValueError(f"KerasClassifier supports binary and multiclass targets; got a "
                                 f"{target_type!r} target. Encode it yourself and use KerasRegressor or a "
                                 "custom model for multilabel/multioutput problems.")
            self.target_type_ = target_type
            self._label_encoder = LabelEncoder().fit(y)
            self.classes_ = self._label_encoder.classes_
            self.n_classes_ = len(self.classes_)
            return None
        codes = self._label_encoder.transform(y)
        if self._binary_output:
            return codes.astype(np.float32).reshape(-1, 1)
        loss = self.model_.loss if hasattr(self.model_, "loss") else None
        if loss in ("categorical_crossentropy", "CategoricalCrossentropy") or type(loss).__name__ == "CategoricalCrossentropy":
            return np.eye(self._n_outputs, dtype=np.float32)[codes]
        return codes.astype(np.int64)

    def _default_loss(self, model):
        if model is not None and _output_width(model, self.n_features_in_) == 1:
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    def _post_build(self):
        self._n_outputs = _output_width(self.model_, self.n_features_in_)
        self._binary_output = self._n_outputs == 1
        if not self._binary_output and self._n_outputs < self.n_classes_:
            raise ValueError(f"KerasClassifier: the model has {self._n_outputs} outputs but the target has "
                             f"{self.n_classes_} classes; give the last layer n_classes_ (or 1 for binary) units.")

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train one more epoch; ``classes`` (scikit-learn's convention) must match ``classes_`` if fitted."""
        if classes is not None and getattr(self, "classes_", None) is not None:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(f"KerasClassifier.partial_fit: classes={list(classes)} differ from the fitted "
                                 f"classes_={list(self.classes_)}.")
        return super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)

    def predict_proba(self, X, **kwargs):
        """Class probabilities, shape ``(n_samples, n_classes_)``."""
        proba = self._raw_predict(X, **kwargs)
        if self._binary_output:
            p = proba.reshape(-1, 1)
            return np.hstack([1.0 - p, p])
        return proba

    def predict(self, X, **kwargs):
        """The most probable class of each sample, in the original label type."""
        return self.classes_[np.argmax(self.predict_proba(X, **kwargs), axis=1)]


class KerasRegressor(RegressorMixin, BaseWrapper):
    """A scikit-learn regressor around a keraton model, as scikeras's ``KerasRegressor``.

    The default loss is mean squared error; ``score`` is R^2. A 1-D target gives 1-D predictions.

    Example:
        >>> reg = KerasRegressor(model=build, loss="mse", epochs=20, verbose=0).fit(X, y)
        >>> reg.score(X, y) > 0.9
        True
    """

    _y_numeric = True
    _multi_output = True

    def _default_loss(self, model):
        return "mean_squared_error"

    def _meta(self):
        return {"n_features_in_": self.n_features_in_, "n_outputs_": self.n_outputs_,
                "target_type_": "continuous"}

    def _encode_target(self, y, reset):
        y = np.asarray(y, dtype=np.float32)
        if reset:
            self._y_ndim = y.ndim
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def predict(self, X, **kwargs):
        """Predictions, 1-D when the model was fitted on a 1-D target."""
        y = self._raw_predict(X, **kwargs)
        if getattr(self, "_y_ndim", 2) == 1 and y.ndim == 2 and y.shape[1] == 1:
            return y.ravel()
        return y
