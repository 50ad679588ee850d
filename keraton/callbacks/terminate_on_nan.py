"""`TerminateOnNaN`, matching `keras.callbacks.TerminateOnNaN` (Keras 3)."""

import math

from keraton.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite.

    Reads the `loss` of each training batch (one host read per batch, as any
    batch-logs callback); on NaN/inf it prints "Batch N: Invalid loss,
    terminating training" and sets `model.stop_training`, or raises a
    `RuntimeError` when `raise_error=True` (Keras 3.10+).

    Args:
        raise_error: Raise instead of stopping quietly.

    Example:

    >>> model.fit(x, y, callbacks=[TerminateOnNaN()])  # doctest: +SKIP
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        """Check the batch's loss."""
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isnan(loss) or math.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                    "Terminating training immediately."
                )
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
