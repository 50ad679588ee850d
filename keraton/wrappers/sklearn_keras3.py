"""Keras 3's scikit-learn wrappers: ``SKLearnClassifier``, ``SKLearnRegressor``, ``SKLearnTransformer``.

These are the estimators of ``keras.wrappers`` (Keras 3.15), a thinner design than the
scikeras-style ``KerasClassifier``/``KerasRegressor`` of ``sklearn_wrapper.py``: four
parameters (``model``, ``warm_start``, ``model_kwargs``, ``fit_kwargs``), the model must be
compiled by the user, a callable ``model`` is called as ``model(X=X, y=y, **model_kwargs)``
with the *encoded* target (one-hot for the classifier, 2-D for the others), and everything
else (``epochs``, ``batch_size``, ...) goes to ``Model.fit`` through ``fit_kwargs`` or the
wrapper's ``fit(**kwargs)``. The file is separate from ``sklearn_wrapper.py`` because the two
families share no parameter routing, only scikit-learn's validation helpers.

Example:
    >>> def build(X, y, units=8):
    ...     model = keraton.Sequential([keraton.Input((X.shape[1],)),
    ...                                 keraton.layers.Dense(units, activation="relu"),
    ...                                 keraton.layers.Dense(y.shape[1], activation="softmax")])
    ...     model.compile(optimizer="adam", loss="categorical_crossentropy")
    ...     return model
    >>> clf = SKLearnClassifier(build, model_kwargs={"units": 16}, fit_kwargs={"epochs": 5, "verbose": 0})
    >>> clf.fit(X, y).predict(X[:3])
    array([0, 2, 1])
"""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.utils.multiclass import type_of_target
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    sklearn = None
    BaseEstimator = ClassifierMixin = RegressorMixin = TransformerMixin = object


def _require_sklearn(owner):
    if sklearn is None:
        raise ImportError(f"{owner} requires scikit-learn, which is not installed. "
                          "Install it with: pip install scikit-learn")


def _checked_target_type(y):
    """scikit-learn's ``type_of_target``, raising (as Keras) when the labels are of no known kind."""
    target_type = type_of_target(y)
    if target_type == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}. Expected a 1-D or 2-D array of numbers "
                         "or class labels.")
    return target_type


def _clone_compiled(model):
    """A fresh-weight copy of ``model``, compiled as the original was (Keras's ``clone_model``)."""
    from keraton.models import clone_model

    return clone_model(model)


def _check_compiled(model):
    if not getattr(model, "compiled", False) or not model.loss or not model.optimizer:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer. Call "
                           "model.compile(optimizer=..., loss=...) on it (or in the callable building it).")


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Turn a 1-D target into a column and back, as Keras's ``wrappers.utils.TargetReshaper``.

    ``ndim_`` remembers the fitted target's rank; ``inverse_transform`` squeezes a one-column
    prediction back to 1-D only when the fitted target was 1-D.
    """

    def fit(self, y):
        """Remember ``y.ndim``; returns ``self``."""
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        """``y`` with at least two dimensions."""
        y = np.asarray(y)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        """Undo :meth:`transform`: drop the column axis of a 2-D ``y`` if the fitted target was 1-D."""
        check_is_fitted(self)
        y = np.asarray(y)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y


class SKLBase(BaseEstimator):
    """What the three Keras 3 wrappers share: model building, ``fit``, ``predict``, cloning, tags.

    Args:
        model: a compiled keraton ``Model`` (cloned with fresh weights before each fit unless
            ``warm_start``) or a callable ``model(X=X, y=y, **model_kwargs)`` returning a
            compiled model; ``y`` is the encoded target (see each subclass).
        warm_start: reuse the weights of the previous fit (and, on the first fit, train the
            given ``Model`` itself instead of a clone).
        model_kwargs: keyword arguments for the ``model`` callable.
        fit_kwargs: keyword arguments for ``Model.fit`` (``epochs``, ``batch_size``, ...);
            those given to the wrapper's ``fit`` take precedence.

    Attributes:
        model_: the fitted model.
        history_: the ``History`` returned by ``Model.fit``.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    # ------------------------------------------------------------------ scikit-learn protocol
    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        """An unfitted estimator with the same parameters; the ``model`` object itself is shared
        (a ``Model`` is cloned by ``fit`` anyway)."""
        return type(self)(model=self.model, warm_start=self.warm_start, model_kwargs=self.model_kwargs,
                          fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """How many epochs the last ``fit`` ran (0 before fitting)."""
        history = getattr(self, "history_", None)
        return len(getattr(history, "epoch", []) or []) if history is not None else 0

    def set_fit_request(self, **kwargs):
        """Request metadata for ``fit`` (scikit-learn's metadata routing; it must be enabled)."""
        if not sklearn.get_config().get("enable_metadata_routing", False):
            raise RuntimeError("This method is only available when metadata routing is enabled. You can "
                               "enable it using sklearn.set_config(enable_metadata_routing=True).")
        from sklearn.utils.metadata_routing import MetadataRequest

        self._metadata_request = MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.fit.add_request(param=param, alias=alias)
        return self

    def __sklearn_is_fitted__(self):
        return getattr(self, "model_", None) is not None

    # ------------------------------------------------------------------ model
    def _get_model(self, X, y):
        from keraton.models import Model

        if self.warm_start and getattr(self, "model_", None) is not None:
            return self.model_
        if isinstance(self.model, Model):
            return self.model if self.warm_start else _clone_compiled(self.model)
        if not callable(self.model):
            raise TypeError(f"{type(self).__name__}: `model` must be a compiled keraton Model or a callable "
                            f"returning one. Received: model={self.model!r} of type {type(self.model).__name__}.")
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        if not isinstance(model, Model):
            raise TypeError(f"{type(self).__name__}: the `model` callable must return a keraton Model; it "
                            f"returned {type(model).__name__}.")
        return model

    # ------------------------------------------------------------------ fit / predict
    def fit(self, X, y, **kwargs):
        """Validate ``X``/``y``, encode ``y``, build (or clone) the model and train it; returns ``self``.

        ``kwargs`` go to ``Model.fit`` and override ``fit_kwargs``.
        """
        X, y = validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        _check_compiled(model)
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def _model_output(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))

    def predict(self, X):
        """The model's predictions, decoded back to the target's form."""
        return self._reverse_process_target(self._model_output(X))

    def _process_target(self, y, reset=False):
        """Keep the target (as a column); the classifier one-hot encodes it."""
        _checked_target_type(y)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a compiled keraton model, as ``keras.wrappers.SKLearnClassifier``.

    The target (binary or multiclass labels of any type) is one-hot encoded with scikit-learn's
    ``OneHotEncoder``, so the model needs ``len(classes_)`` outputs (two for a binary target)
    and a loss for one-hot targets (``categorical_crossentropy``). ``predict`` returns the label
    of the largest output, ``decision_function`` the raw outputs, ``score`` the accuracy.

    Args:
        model, warm_start, model_kwargs, fit_kwargs: see :class:`SKLBase`.

    Attributes:
        model_, history_: as :class:`SKLBase`.
        classes_: the sorted class labels.

    Example:
        >>> clf = SKLearnClassifier(build, fit_kwargs={"epochs": 5, "verbose": 0}).fit(X, y)
        >>> clf.score(X, y)
        0.93
    """

    def decision_function(self, X):
        """The model's raw outputs, shape ``(n_samples, n_classes)``."""
        return self._model_output(X)

    def _process_target(self, y, reset=False):
        target_type = _checked_target_type(y)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {target_type}")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._target_encoder = make_pipeline(TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present. Give y at least two "
                                 f"distinct labels; got only {self.classes_[0]!r}.")
        return self._target_encoder.transform(y)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a compiled keraton model, as ``keras.wrappers.SKLearnRegressor``.

    The model is trained on the target as a column ``(n_samples, 1)``; ``predict`` returns 1-D
    predictions (scikit-learn's validation turns a one-column target 1-D), ``score`` is R^2.

    Args:
        model, warm_start, model_kwargs, fit_kwargs: see :class:`SKLBase`.

    Example:
        >>> reg = SKLearnRegressor(build, fit_kwargs={"epochs": 20, "verbose": 0}).fit(X, y)
        >>> reg.predict(X).shape
        (100,)
    """

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a compiled keraton model, as ``keras.wrappers.SKLearnTransformer``.

    ``fit(X, y)`` trains the model on ``(X, y)`` (``y`` as a column); ``transform(X)`` returns
    the model's outputs (for example an embedding), so it can be a step of a ``Pipeline``.

    Args:
        model, warm_start, model_kwargs, fit_kwargs: see :class:`SKLBase`.

    Example:
        >>> pipe = make_pipeline(SKLearnTransformer(build, fit_kwargs={"verbose": 0}), LogisticRegression())
        >>> pipe.fit(X, y).score(X, y)
        0.9
    """

    def transform(self, X):
        """The model's outputs on ``X``, shape ``(n_samples, ...)``."""
        return self._model_output(X)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
