"""`CallbackList`: the trainer's single, per-step-cheap entry point to callbacks.

Matches `keras.callbacks.CallbackList` (Keras 3) in API, but dispatches each
hook only to the callbacks that override it, and lets batch-end hooks take
their logs as a zero-argument callable so that computing them (a host sync) is
done at most once, and only when some callback will read them.
"""

from keraton.callbacks.callback import Callback, is_default
from keraton.callbacks.history import History
from keraton.callbacks.progbar_logger import ProgbarLogger
from keraton.trainers.step_logs import flatten_logs

# Hooks taking plain (or no) logs dicts: epoch and begin/end of a run.
_PLAIN_HOOKS = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)
# Batch hooks, each with the Keras 2 alias its default implementation calls.
_BATCH_BEGIN_HOOKS = {
    "on_train_batch_begin": "on_batch_begin",
    "on_test_batch_begin": None,
    "on_predict_batch_begin": None,
    "on_batch_begin": None,
}
_BATCH_END_HOOKS = {
    "on_train_batch_end": "on_batch_end",
    "on_test_batch_end": None,
    "on_predict_batch_end": None,
    "on_batch_end": None,
}
_MODES = ("train", "test", "predict")


def _flatten(callbacks):
    """The callbacks of a (possibly nested) list or tuple, in order."""
    if isinstance(callbacks, (list, tuple)):
        out = []
        for c in callbacks:
            out.extend(_flatten(c))
        return out
    return [callbacks]


def pythonify_logs(logs):
    """Copy `logs` with scalar values (tensors, NumPy scalars) converted to
    Python floats and nested dicts flattened, in sorted key order, as Keras
    3's `pythonify_logs` (so `History` and the progress bar list `accuracy`
    before `loss`), leaving non-scalar values (e.g. predict outputs)
    untouched. `None` gives `{}`."""
    result = {}
    for key, value in flatten_logs(logs or {}).items():
        if not isinstance(value, (str, bytes, float)) and getattr(value, "ndim", 0) == 0:
            try:
                value = float(value)
            except (TypeError, ValueError, RuntimeError):
                pass
        result[key] = value
    if hasattr(logs, "rebuilt"):  # Keras 2's extra keys (a batch's `batch`/`size`) stay readable
        return logs.rebuilt(result)
    return result


def _overrides(callback, hook, alias):
    """Whether `callback` does something in `hook` (overridden, or the default
    calls an overridden Keras 2 `alias`)."""
    if not is_default(getattr(callback, hook)):
        return True
    return alias is not None and not is_default(getattr(callback, alias))


class CallbackList(Callback):
    """Container calling a list of callbacks at once (`keras.callbacks.CallbackList`).

    Args:
        callbacks: List (possibly nested) of `Callback` instances.
        add_history: Append a `History` if none is in `callbacks`.
        add_progbar: Append a `ProgbarLogger` if none is in `callbacks`.
        model: The model the callbacks act on (`set_model` is called).
        **params: Run parameters passed to every callback via `set_params`.

    Each hook calls, in list order, only the callbacks whose class overrides
    it (precomputed at construction, `append` and `set_model`); a hook nobody
    overrides costs one attribute check. Batch-end hooks accept `logs` as a
    dict or a zero-argument callable returning one: the callable is resolved
    at most once per call, only if some callback needs a dict; callbacks with
    `_lazy_batch_logs = True` receive `logs` as passed. Use
    `needs_batch_hooks(mode)` to skip batch hook calls altogether.
    """

    _lazy_batch_logs = True  # a nested CallbackList resolves logs itself

    def __init__(
        self,
        callbacks=None,
        add_history=False,
        add_progbar=False,
        model=None,
        **params,
    ):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._add_default_callbacks(add_history, add_progbar)
        self._build_dispatch()
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        """Find or add the `History` and `ProgbarLogger` callbacks (as Keras)."""
        self._progbar = None
        self._history = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def _build_dispatch(self):
        """Precompute, per hook, the bound methods of the overriding callbacks."""
        cbs = self.callbacks
        for hook in _PLAIN_HOOKS:
            setattr(
                self, "_d_" + hook, [getattr(c, hook) for c in cbs if _overrides(c, hook, None)]
            )
        for hook, alias in _BATCH_BEGIN_HOOKS.items():
            setattr(
                self, "_d_" + hook, [getattr(c, hook) for c in cbs if _overrides(c, hook, alias)]
            )
        for hook, alias in _BATCH_END_HOOKS.items():
            entries = [
                (getattr(c, hook), bool(getattr(c, "_lazy_batch_logs", False)))
                for c in cbs
                if _overrides(c, hook, alias)
            ]
            setattr(self, "_d_" + hook, entries)
        self._needs_batch = {
            mode: bool(
                getattr(self, f"_d_on_{mode}_batch_begin")
                or getattr(self, f"_d_on_{mode}_batch_end")
            )
            for mode in _MODES
        }

    def __iter__(self):
        """Iterate over the contained callbacks."""
        return iter(self.callbacks)

    def append(self, callback):
        """Add `callback`, giving it the list's model and params, and refresh
        the per-hook dispatch lists."""
        self.callbacks.append(callback)
        if self._history is None and isinstance(callback, History):
            self._history = callback
        elif self._progbar is None and isinstance(callback, ProgbarLogger):
            self._progbar = callback
        if self._model is not None:
            callback.set_model(self._model)
            if callback is self._history:
                self._model.history = callback
        if self.params:
            callback.set_params(self.params)
        self._build_dispatch()

    def set_params(self, params):
        """Store `params` and pass them to every callback (if not empty)."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        """Give `model` to every callback and set `model.history` to the
        `History` callback, as Keras does; `None` is ignored."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)
        self._build_dispatch()

    def needs_batch_hooks(self, mode):
        """Whether any callback overrides a batch hook of `mode` ('train',
        'test' or 'predict'); when False the trainer may skip batch hooks."""
        return self._needs_batch[mode]

    # Plain hooks -----------------------------------------------------------

    def on_epoch_begin(self, epoch, logs=None):
        """Call `on_epoch_begin(epoch, logs)` on the overriding callbacks."""
        if self._d_on_epoch_begin:
            logs = pythonify_logs(logs)
            for fn in self._d_on_epoch_begin:
                fn(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Call `on_epoch_end(epoch, logs)` on the overriding callbacks."""
        if self._d_on_epoch_end:
            logs = pythonify_logs(logs)
            for fn in self._d_on_epoch_end:
                fn(epoch, logs)

    def _call_plain(self, fns, logs):
        logs = pythonify_logs(logs)
        for fn in fns:
            fn(logs)

    def on_train_begin(self, logs=None):
        """Call `on_train_begin(logs)` on the overriding callbacks."""
        if self._d_on_train_begin:
            self._call_plain(self._d_on_train_begin, logs)

    def on_train_end(self, logs=None):
        """Call `on_train_end(logs)` on the overriding callbacks."""
        if self._d_on_train_end:
            self._call_plain(self._d_on_train_end, logs)

    def on_test_begin(self, logs=None):
        """Call `on_test_begin(logs)` on the overriding callbacks."""
        if self._d_on_test_begin:
            self._call_plain(self._d_on_test_begin, logs)

    def on_test_end(self, logs=None):
        """Call `on_test_end(logs)` on the overriding callbacks."""
        if self._d_on_test_end:
            self._call_plain(self._d_on_test_end, logs)

    def on_predict_begin(self, logs=None):
        """Call `on_predict_begin(logs)` on the overriding callbacks."""
        if self._d_on_predict_begin:
            self._call_plain(self._d_on_predict_begin, logs)

    def on_predict_end(self, logs=None):
        """Call `on_predict_end(logs)` on the overriding callbacks."""
        if self._d_on_predict_end:
            self._call_plain(self._d_on_predict_end, logs)

    # Batch-begin hooks (plain dicts) ----------------------------------------

    def on_batch_begin(self, batch, logs=None):
        """Call the Keras 2 alias `on_batch_begin` on the overriding callbacks."""
        if self._d_on_batch_begin:
            _call_begin(self._d_on_batch_begin, batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Call `on_train_batch_begin` on the callbacks overriding it or its alias."""
        if self._d_on_train_batch_begin:
            _call_begin(self._d_on_train_batch_begin, batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Call `on_test_batch_begin` on the overriding callbacks."""
        if self._d_on_test_batch_begin:
            _call_begin(self._d_on_test_batch_begin, batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Call `on_predict_batch_begin` on the overriding callbacks."""
        if self._d_on_predict_batch_begin:
            _call_begin(self._d_on_predict_batch_begin, batch, logs)

    # Batch-end hooks (dict or zero-argument callable) -----------------------

    def on_batch_end(self, batch, logs=None):
        """Call the Keras 2 alias `on_batch_end`; `logs` may be a callable."""
        if self._d_on_batch_end:
            _call_end(self._d_on_batch_end, batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Call `on_train_batch_end` on the callbacks overriding it or its
        alias; `logs` may be a dict or a zero-argument callable returning it."""
        if self._d_on_train_batch_end:
            _call_end(self._d_on_train_batch_end, batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        """Call `on_test_batch_end`; `logs` may be a dict or a callable."""
        if self._d_on_test_batch_end:
            _call_end(self._d_on_test_batch_end, batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Call `on_predict_batch_end`; `logs` may be a dict or a callable."""
        if self._d_on_predict_batch_end:
            _call_end(self._d_on_predict_batch_end, batch, logs)


def _call_begin(fns, batch, logs):
    """Dispatch a batch-begin hook; `None` logs become `{}` as in Keras."""
    logs = pythonify_logs(logs) if logs else {}
    for fn in fns:
        fn(batch, logs=logs)


class _OnceLogs:
    """Zero-argument callable evaluating a logs callable once, then caching
    the (pythonified) dict, so that several callbacks share one host sync."""

    __slots__ = ("_fn", "_logs")

    def __init__(self, fn):
        self._fn = fn
        self._logs = None

    def __call__(self):
        if self._logs is None:
            self._logs = pythonify_logs(self._fn())
        return self._logs


def _call_end(entries, batch, logs):
    """Dispatch a batch-end hook: lazy callbacks get `logs` as given (a
    callable is wrapped so it is evaluated at most once), the others a dict."""
    if callable(logs):
        if len(entries) == 1 and entries[0][1]:
            entries[0][0](batch, logs=logs)
            return
        logs = _OnceLogs(logs)
        for fn, lazy in entries:
            fn(batch, logs=logs if lazy else logs())
        return
    resolved = None
    for fn, lazy in entries:
        if lazy:
            fn(batch, logs=logs)
        else:
            if resolved is None:
                resolved = pythonify_logs(logs)
            fn(batch, logs=resolved)
