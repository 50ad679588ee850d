"""`LambdaCallback`, matching `keras.callbacks.LambdaCallback` (Keras 3)."""

from keraton.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback built from plain functions, as `keras.callbacks.LambdaCallback`.

    Each given function replaces the hook of the same name; hooks left out
    stay no-ops (and cost nothing in `fit`). `on_epoch_begin`/`on_epoch_end`
    take `(epoch, logs)`, `on_train_batch_begin`/`on_train_batch_end` take
    `(batch, logs)`, `on_train_begin`/`on_train_end` take `(logs)`. Other
    keyword arguments (e.g. Keras 2's `on_batch_end`, or `on_test_end`) are
    set as attributes, so any hook can be given.

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end,
        on_train_batch_begin, on_train_batch_end: Functions, or `None`.
        **kwargs: Further hooks or attributes.

    Example:

    >>> losses = []
    >>> log_loss = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    >>> model.fit(x, y, callbacks=[log_loss])  # doctest: +SKIP
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                if not callable(fn):
                    raise TypeError(
                        f"LambdaCallback: `{name}` must be a function, got {type(fn).__name__}."
                    )
                setattr(self, name, fn)
