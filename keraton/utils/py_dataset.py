"""``PyDataset``: a dataset of batches written in Python (Keras 3), and ``Sequence`` (its Keras 2 name)."""

from __future__ import annotations

import itertools
import warnings


class PyDataset:
    """Base class for a Python dataset of batches, as Keras 3's ``keras.utils.PyDataset``.

    Implement ``__getitem__(index)`` returning one batch (``x``, ``(x, y)`` or
    ``(x, y, sample_weight)``, NumPy arrays or tensors, dicts keyed by input
    name allowed) and ``__len__`` (or the ``num_batches`` property; ``None``
    for an infinite dataset, used with ``steps_per_epoch``).  Pass it to
    ``fit``/``evaluate``/``predict`` as ``x`` or as ``validation_data``.

    Args:
        workers: ``0`` loads in the training thread; ``1`` (default) in one
            background thread that runs ahead; ``n > 1`` in ``n`` threads
            (processes with ``use_multiprocessing``), batches kept in order.
            Keras 3 loads synchronously with ``workers=1``; keraton prefetches.
        use_multiprocessing: load in forked processes (for pure-Python
            loading that holds the GIL); batches must be picklable.
        max_queue_size: how many batches may be loaded ahead.

    Example:

    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         x = np.arange(4, dtype="float32")[:, None] + 4 * i
    ...         return x, x ** 2
    >>> len(list(Squares()))
    3
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        missing = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False), ("_max_queue_size", 10)):
            if not hasattr(self, attr):
                setattr(self, attr, default)
                missing = True
        if missing and self._warns_without_super:
            warnings.warn(
                f"Your `PyDataset` class {type(self).__name__} should call `super().__init__(**kwargs)` "
                "in its constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`.", stacklevel=3)

    _warns_without_super = True

    @property
    def workers(self) -> int:
        """Number of loading threads (or processes)."""
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """Whether the workers are processes."""
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """How many batches may be loaded ahead."""
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value) -> None:
        self._max_queue_size = value

    def __getitem__(self, index):
        """Return batch ``index``; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    @property
    def num_batches(self):
        """Batches per epoch: ``len(self)``; ``None`` means infinite."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` or the `num_batches` property "
            "(return None for an infinite dataset)."
        )

    def __iter__(self):
        try:
            n = self.num_batches
        except NotImplementedError:
            n = None
        for index in (range(n) if n is not None else itertools.count()):
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (reshuffle here)."""


class Sequence(PyDataset):
    """Keras 2's ``keras.utils.Sequence``: a :class:`PyDataset` whose subclasses need not call ``super().__init__``.

    Example:

    >>> class Two(Sequence):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, i):
    ...         return [float(i)], [float(i)]
    >>> Two().workers
    1
    """

    _warns_without_super = False
