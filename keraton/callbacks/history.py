"""`History` callback, matching `keras.callbacks.History` (Keras 3)."""

from keraton.callbacks.callback import Callback
from keraton.trainers.step_logs import Keras2KeysDict


def _to_float(value):
    """`float(value)` when possible (tensors, NumPy scalars), else `value`."""
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        return value


class HistoryDict(Keras2KeysDict):
    """``History.history``: a plain dict, where Keras 2's ``"lr"`` also reads ``"learning_rate"``.

    ``LearningRateScheduler`` and ``ReduceLROnPlateau`` log the learning rate
    as ``"learning_rate"`` (Keras 3); in Keras 2 they logged ``"lr"``, and Keras 2
    programs plot ``history.history["lr"]``. The alias is only a lookup: the
    keys listed are Keras 3's.
    """

    _KERAS2_ALIASES = {"lr": "learning_rate"}

    def keras2_value(self, key):
        """``"lr"``: the ``"learning_rate"`` entry."""
        alias = self._KERAS2_ALIASES.get(key)
        if alias is not None and alias in self:
            return self[alias]
        raise KeyError(key)


class History(Callback):
    """Records each epoch's logs; the object `fit()` returns (Keras `History`).

    Attributes:
        history: Dict mapping each log name (e.g. `"loss"`, `"val_loss"`) to
            the list of its per-epoch values, as Python floats (`"lr"` reads
            `"learning_rate"`, for Keras 2 code).
        epoch: List of the indices of the epochs recorded.
        params: The run parameters (`verbose`, `epochs`, `steps`).
        model: The trained model, whose `history` attribute is set to this
            object (at `set_model`, `on_train_begin` and every `on_epoch_end`).
    """

    def __init__(self):
        super().__init__()
        self.history = HistoryDict()
        self.epoch = []

    def set_model(self, model):
        """Store the model and set `model.history` to this callback."""
        super().set_model(model)
        _attach(model, self)

    def on_train_begin(self, logs=None):
        """Reset the recorded epoch indices, as Keras does."""
        self.epoch = []
        _attach(self.model, self)

    def on_epoch_end(self, epoch, logs=None):
        """Append `epoch` and each value of `logs` (as a float) to the record."""
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(_to_float(v))
        _attach(self.model, self)


def _attach(model, history):
    """Set `model.history = history` when there is a model (and it is not already set)."""
    if model is not None and model.__dict__.get("history") is not history:
        model.history = history
