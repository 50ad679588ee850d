"""`SwapEMAWeights`, matching `keras.callbacks.SwapEMAWeights` (Keras 3)."""

import torch

from keraton.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Evaluate and predict with the optimizer's moving averages of the weights (``use_ema=True``).

    Before ``evaluate``/``predict`` (validation inside ``fit`` included) the
    model's trainable weights and the optimizer's exponential moving averages
    trade places, in place; afterwards they trade back.  With
    ``swap_on_epoch=True`` they also trade at the end of each epoch (so a
    ``ModelCheckpoint`` listed after this callback saves the averages) and back
    at the start of the next; after the last epoch the model keeps the averages.

    Args:
        swap_on_epoch: Also swap at ``on_epoch_end``/``on_epoch_begin``.

    Example:

    >>> model.compile(optimizer=keraton.optimizers.SGD(use_ema=True), loss="mse")  # doctest: +SKIP
    >>> model.fit(x, y, callbacks=[SwapEMAWeights()])  # doctest: +SKIP
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used with an optimizer created with `use_ema=True`. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap(self) -> None:
        optimizer = self._ema_optimizer()
        averages = optimizer._model_variables_moving_average
        if not averages:  # not stepped yet: the averages are the weights
            return
        with torch.no_grad():
            for variable, average in zip(optimizer._trainable_variables, averages):
                held = variable.detach().clone()
                variable.copy_(average)
                average.copy_(held)

    def _finalize(self) -> None:
        optimizer = self._ema_optimizer()
        with torch.no_grad():
            for variable, average in zip(optimizer._trainable_variables,
                                         optimizer._model_variables_moving_average):
                average.copy_(variable)

    def _swap_in(self) -> None:
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def _swap_out(self) -> None:
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        """Put the trained weights back before the epoch trains (``swap_on_epoch``)."""
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        """Put the averages in the model for the callbacks after this one (``swap_on_epoch``)."""
        if self.swap_on_epoch:
            self._swap_in()
            if epoch == self.params.get("epochs", 0) - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        """Evaluate with the averages."""
        self._swap_in()

    def on_test_end(self, logs=None):
        """Put the trained weights back."""
        self._swap_out()

    def on_predict_begin(self, logs=None):
        """Predict with the averages."""
        self._swap_in()

    def on_predict_end(self, logs=None):
        """Put the trained weights back."""
        self._swap_out()
