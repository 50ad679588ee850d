"""`ProgbarLogger` callback, matching `keras.callbacks.ProgbarLogger` (Keras 3)."""

from keraton.callbacks.callback import Callback
from keraton.distribution import is_primary
from keraton.utils.progbar import Progbar, print_msg


class ProgbarLogger(Callback):
    """Prints progress bars and metrics to stdout (Keras 3 `ProgbarLogger`).

    Reads `verbose` (`"auto"` means 1), `epochs` and `steps` (steps per epoch,
    or `None` if unknown) from `self.params`. During `fit` it prints
    `Epoch i/N` when `N > 1`, then a bar per epoch (verbose=1, redrawn at most
    every 0.05 s on a terminal) or one line per epoch (verbose=2), finalized
    with the epoch logs (validation `val_*` keys included); validation inside
    `fit` draws nothing. `evaluate` and `predict` show their own bar. Metrics
    are shown as logged (not averaged), in the order of the logs dict.

    Batch-end `logs` may be a zero-argument callable (`_lazy_batch_logs`): it
    is only called when the bar is about to be redrawn.
    """

    _lazy_batch_logs = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        """Store `params` and read `verbose`, `epochs` and `steps` from them."""
        super().set_params(params)
        self._read_params()

    def _read_params(self):
        params = self.params or {}
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        if not is_primary():  # in distributed training only rank 0 prints
            self.verbose = 0
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        """Enter `fit`: refresh the params; validation will stay silent."""
        self._read_params()
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        """Leave `fit`, so a later `evaluate` with this logger shows its bar."""
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        """Start an `evaluate` bar (nothing for validation inside `fit`)."""
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        """Start a `predict` bar."""
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's bar, printing `Epoch i/N` when `N > 1`."""
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        """Advance the training bar; `logs` (dict or callable) read only if drawn."""
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        """Advance the `evaluate` bar (not during validation inside `fit`)."""
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Advance the `predict` bar; predictions are not displayed."""
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        """Finalize the epoch's bar with the epoch logs."""
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        """Finalize the `evaluate` bar with the results."""
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        """Finalize the `predict` bar."""
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(
                target=self.target,
                verbose=self.verbose,
                unit_name="step",
                stateless_metrics=set(),
            )

    def _update_progbar(self, batch, logs):
        """Record step `batch + 1`; fetch `logs` only when the bar will draw."""
        if self.progbar is None:
            self._maybe_init_progbar()
        self.seen = seen = batch + 1
        progbar = self.progbar
        if self.verbose == 1 and progbar.will_draw(seen):
            if callable(logs):
                logs = logs()
            progbar.update(seen, list(logs.items()) if logs else None, finalize=False)
        else:
            progbar.update(seen, None, finalize=False)

    def _finalize_progbar(self, logs):
        if self.progbar is None:
            self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        # Keras's bar first met the training keys in its batch updates: they come
        # before the validation ones even when no batch update was drawn.
        items = sorted(logs.items(), key=lambda kv: str(kv[0]).startswith("val_")) if logs else None
        self.progbar.update(self.target, items, finalize=True)
