"""Base class of all callbacks, matching `keras.callbacks.Callback` (Keras 3)."""


def default(method):
    """Mark `method` as a no-op default hook (like Keras's `utils.default`).

    `CallbackList` skips a callback for a hook whose method still carries this
    mark, i.e. the callback's class did not override it.
    """
    method._is_default = True
    return method


def is_default(method):
    """Whether `method` is a hook left at its `Callback` default (Keras's
    `utils.is_default`)."""
    return getattr(method, "_is_default", False)


class Callback:
    """Base class used to build new callbacks, like `keras.callbacks.Callback`.

    Subclass it and override the hooks of the stages of interest; every hook is
    a no-op here. `fit`, `evaluate` and `predict` call the hooks through a
    `CallbackList`, which skips hooks a callback does not override.

    Attributes:
        params: Dict of run parameters (`verbose`, `epochs`, `steps`, ...).
        model: The model being trained, evaluated or used for prediction.
        validation_data: Keras 2.0-2.2's flat list of NumPy arrays, set by `fit`
            when it validates on in-memory data: the inputs, the targets, then
            one sample-weight array per output (ones when none were given).
            `None` otherwise, and with Keras 3's data sources.

    As in Keras, `on_train_batch_begin`/`on_train_batch_end` call the Keras 2
    aliases `on_batch_begin`/`on_batch_end` by default, so overriding only an
    alias still runs during training.

    A class that sets `_lazy_batch_logs = True` receives, in its batch-end
    hooks, either a logs dict or a zero-argument callable returning it (the
    trainer defers computing logs, a device-to-host sync, until needed).
    """

    _lazy_batch_logs = False
    validation_data = None  # Keras 2.0-2.2 (see the class docstring)

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Store the run parameters dict in `self.params`."""
        self.params = params

    def set_model(self, model):
        """Store the model the callback acts on."""
        self._model = model

    @property
    def model(self):
        """The model; a `DistributedDataParallel` wrapper is unwrapped, as in
        Keras's torch backend."""
        model = self._model
        if type(model).__name__ == "DistributedDataParallel":
            return model.module
        return model

    @model.setter
    def model(self, model):
        self.set_model(model)

    @default
    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatibility alias for `on_train_batch_begin`."""

    @default
    def on_batch_end(self, batch, logs=None):
        """A backwards-compatibility alias for `on_train_batch_end`."""

    @default
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch `epoch` (0-based) during `fit`."""

    @default
    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch of `fit`; `logs` holds the epoch's
        metric results, validation ones prefixed with `val_`."""

    @default
    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch; calls `on_batch_begin` (Keras 2)."""
        self.on_batch_begin(batch, logs=logs)

    @default
    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch with the metric results so far;
        calls `on_batch_end` (Keras 2 alias)."""
        self.on_batch_end(batch, logs=logs)

    @default
    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of `evaluate` or of validation in `fit`."""

    @default
    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of `evaluate` or of validation in `fit`, with
        the metric results so far."""

    @default
    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of `predict`."""

    @default
    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of `predict`; `logs` may hold its outputs."""

    @default
    def on_train_begin(self, logs=None):
        """Called at the beginning of `fit`."""

    @default
    def on_train_end(self, logs=None):
        """Called at the end of `fit`; `logs` holds the last epoch's logs."""

    @default
    def on_test_begin(self, logs=None):
        """Called at the beginning of `evaluate` or of validation in `fit`."""

    @default
    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` or of validation in `fit`, with the
        evaluation results."""

    @default
    def on_predict_begin(self, logs=None):
        """Called at the beginning of `predict`."""

    @default
    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""
