"""Small helpers shared by the callbacks: lazy batch logs, batch counting, learning-rate targets."""


def resolve_logs(logs):
    """A batch-end `logs` argument as a dict: it may be a zero-argument
    callable (the lazy logs of `CallbackList`), a dict or `None`."""
    if callable(logs):
        logs = logs()
    return dict(logs or {})


class BatchCounter:
    """Counts training batches across epochs and says when `every` of them
    have passed (Keras's `_should_save_on_batch` arithmetic)."""

    def __init__(self, every):
        self.every = every
        self.seen = 0
        self.last_batch = None

    def step(self, batch):
        """Record batch index `batch`; True when `every` batches have passed."""
        if self.last_batch is None or batch <= self.last_batch:
            self.seen += batch + 1
        else:
            self.seen += batch - self.last_batch
        self.last_batch = batch
        if self.seen >= self.every:
            self.seen = 0
            return True
        return False


def check_save_freq(save_freq, argument="save_freq"):
    """Raise a ValueError unless `save_freq` is 'epoch' or an int."""
    if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)):
        raise ValueError(
            f"Unrecognized {argument}: {save_freq!r}. Expected {argument} are 'epoch' or "
            "integer values (a number of batches)."
        )


def learning_rate_targets(optimizer) -> list:
    """``[(optimizer, log_key), ...]``: the optimizers whose rate a learning-rate callback sets.

    As Keras 3.15: a ``MultiOptimizer`` (anything with an ``optimizers`` list)
    has each sub-optimizer set and logged as ``learning_rate_<name>``; any
    other optimizer is one target logged as ``learning_rate``.
    """
    if hasattr(optimizer, "optimizers"):
        return [(opt, f"learning_rate_{opt.name}") for opt in optimizer.optimizers]
    return [(optimizer, "learning_rate")]


def learning_rate_value(optimizer) -> float:
    """``optimizer.learning_rate`` as a float, read without autograd.

    A Keras 2 optimizer's rate is its ``K.variable``, a tensor that requires
    gradients; ``float()`` of it directly makes torch warn.
    """
    rate = optimizer.learning_rate
    return float(rate.detach() if hasattr(rate, "detach") else rate)
