"""The scikit-learn estimator around a keraton model, following scikeras's ``BaseWrapper``.

``model=`` is a model or a callable returning one (compiled or not). Parameters are routed by
prefix, as in scikeras: ``model__units`` goes to the model callable, ``fit__``/``predict__``
to ``fit``/``predict``, ``optimizer__``/``loss__`` to the optimizer/loss constructors,
``compile__`` to ``compile``. Unprefixed extra parameters reach the model callable when its
signature names them (Keras 2's ``build_fn`` + ``sk_params`` style).
"""

import inspect

import numpy as np

try:
    from sklearn.base import BaseEstimator
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    BaseEstimator = object
    _SKLEARN_MISSING = True
else:
    _SKLEARN_MISSING = False

_ROUTES = ("model__", "fit__", "predict__", "optimizer__", "loss__", "metrics__", "compile__", "callbacks__")
_FIT_ARGS = ("batch_size", "epochs", "verbose", "validation_split", "callbacks", "shuffle")


class BaseWrapper(BaseEstimator):
    """Shared logic of :class:`KerasClassifier` and :class:`KerasRegressor` (scikeras's design).

    Args:
        model: a keraton model, or a callable returning one; it may take ``meta`` (a dict with
            ``n_features_in_``, ``n_classes_``, ``classes_``, ``n_outputs_``, ``target_type_``),
            ``compile_kwargs`` and any routed ``model__`` parameter.
        build_fn: Keras 2's name for ``model``.
        warm_start: keep the trained model between ``fit`` calls instead of rebuilding it.
        random_state: seed for keraton/torch/NumPy before the model is built and trained.
        optimizer, loss, metrics: used to compile the model when the callable did not.
        batch_size, epochs, verbose, validation_split, callbacks, shuffle: passed to ``fit``.
        **kwargs: routed parameters (``model__units=8``, ``fit__class_weight=...``).

    Example:
        >>> est = KerasRegressor(model=build, model__units=8, epochs=5, verbose=0)
        >>> est.fit(X, y).predict(X).shape
        (100,)
    """

    def __init__(self, model=None, *, build_fn=None, warm_start=False, random_state=None, optimizer="rmsprop",
                 loss=None, metrics=None, batch_size=None, verbose=1, callbacks=None, validation_split=0.0,
                 shuffle=True, epochs=1, **kwargs):
        if _SKLEARN_MISSING:
            raise ImportError(f"{type(self).__name__} requires scikit-learn, which is not installed. "
                              "Install it with: pip install scikit-learn")
        self.model = model
        self.build_fn = build_fn
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.epochs = epochs
        vars(self).update(kwargs)
        self._extra_params = sorted(kwargs)

    # ------------------------------------------------------------------ params
    def get_params(self, deep=True):
        """The constructor parameters plus the routed/extra ones, so ``clone`` keeps them."""
        params = super().get_params(deep=deep)
        params.update({key: getattr(self, key) for key in getattr(self, "_extra_params", [])})
        return params

    def set_params(self, **params):
        """Set parameters; routed (``model__units``) and extra ones are stored as given."""
        known = set(super().get_params(deep=False))
        plain = {}
        for key, value in params.items():
            if key in known:
                plain[key] = value
            elif key.startswith(_ROUTES) or "__" not in key:
                setattr(self, key, value)
                if key not in self._extra_params:
                    self._extra_params = sorted([*self._extra_params, key])
            else:
                plain[key] = value
        if plain:
            super().set_params(**plain)
        return self

    def _routed(self, prefix, extra=None):
        params = self.get_params(deep=False)
        routed = {key[len(prefix):]: value for key, value in params.items() if key.startswith(prefix)}
        routed.update(extra or {})
        return routed

    # ------------------------------------------------------------------ model
    def _build_model(self, meta):
        factory = self.model if self.model is not None else self.build_fn
        if factory is None:
            raise ValueError(f"{type(self).__name__}: a model is required: pass model= a keraton model or a "
                             "callable returning one (or build_fn= in Keras 2 style).")
        if callable(factory) and not hasattr(factory, "compile"):
            signature = inspect.signature(factory)
            accepts_all = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
            kwargs = {key: value for key, value in self.get_params(deep=False).items()
                      if key in self._extra_params and "__" not in key
                      and (accepts_all or key in signature.parameters)}
            kwargs.update(self._routed("model__"))
            if "meta" in signature.parameters:
                kwargs["meta"] = dict(meta)
            if "compile_kwargs" in signature.parameters:
                kwargs["compile_kwargs"] = self._compile_kwargs(None)
            model = factory(**kwargs)
        else:
            model = factory
        if not hasattr(model, "fit") or not hasattr(model, "compile"):
            raise TypeError(f"{type(self).__name__}: model must be a keraton Model or a callable returning "
                            f"one; got {type(model).__name__}.")
        if not getattr(model, "compiled", False):
            model.compile(**self._compile_kwargs(model))
        return model

    def _default_loss(self, model):
        """The loss used when neither ``loss`` nor the model callable chose one."""
        return None

    def _compile_kwargs(self, model):
        from keraton import losses, optimizers

        optimizer = self.optimizer
        optimizer_args = self._routed("optimizer__")
        if isinstance(optimizer, type):
            optimizer = optimizer(**optimizer_args)
        elif optimizer_args:
            optimizer = type(optimizers.get(optimizer))(**optimizer_args)
        loss = self.loss if self.loss is not None else self._default_loss(model)
        loss_args = self._routed("loss__")
        if isinstance(loss, type):
            loss = loss(**loss_args)
        elif loss_args:
            loss = type(losses.get(loss))(**loss_args)
        return {"optimizer": optimizer, "loss": loss, "metrics": self.metrics, **self._routed("compile__")}

    # ------------------------------------------------------------------ data
    def _validate_X_y(self, X, y=None, reset=True):
        if y is None:
            X = validate_data(self, X, reset=reset, dtype=[np.float32, np.float64])
        else:
            X, y = validate_data(self, X, y, reset=reset, dtype=[np.float32, np.float64], multi_output=self._multi_output,
                                 y_numeric=self._y_numeric)
        return X.astype(np.float32, copy=False), y

    # ------------------------------------------------------------------ fit/predict
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build (unless ``warm_start`` and already built), compile and train; returns ``self``."""
        return self._fit(X, y, sample_weight, warm=self.warm_start, epochs=None, **kwargs)

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train one more epoch on ``(X, y)``, keeping the model (scikeras's ``partial_fit``)."""
        return self._fit(X, y, sample_weight, warm=True, epochs=1, **kwargs)

    def _fit(self, X, y, sample_weight, warm, epochs, **kwargs):
        initialized = getattr(self, "model_", None) is not None
        X, y = self._validate_X_y(X, y, reset=not (warm and initialized))
        if self.random_state is not None:
            from keraton.utils import set_random_seed

            set_random_seed(int(self.random_state) % (2**32))
        y_fit = self._encode_target(y, reset=not (warm and initialized))
        if not (warm and initialized):
            self.model_ = self._build_model(self._meta())
            self.history_ = {}
            self._post_build()
            y_fit = self._encode_target(y, reset=False)
        fit_args = {name: getattr(self, name) for name in _FIT_ARGS}
        fit_args["verbose"] = int(bool(fit_args["verbose"])) if isinstance(fit_args["verbose"], bool) else fit_args["verbose"]
        fit_args.update(self._routed("fit__"))
        fit_args.update(kwargs)
        if epochs is not None:
            fit_args["epochs"] = epochs
        if sample_weight is not None:
            fit_args["sample_weight"] = np.asarray(sample_weight, dtype=np.float32)
        history = self.model_.fit(X, y_fit, **fit_args)
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        return self

    def _raw_predict(self, X, **kwargs):
        check_is_fitted(self, "model_")
        X, _ = self._validate_X_y(X, reset=False)
        predict_args = {"batch_size": self.batch_size, "verbose": 0, **self._routed("predict__"), **kwargs}
        return np.asarray(self.model_.predict(X, **predict_args))

    def _post_build(self):
        """Hook run after the model is built (the classifier reads its output width)."""

    def __sklearn_is_fitted__(self):
        return getattr(self, "model_", None) is not None
