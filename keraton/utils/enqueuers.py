"""Keras 2's enqueuers: a ``Sequence`` loaded ahead by threads or processes.

``OrderedEnqueuer`` hands out the batches of a :class:`keraton.utils.Sequence`
(or ``PyDataset``) in index order, epoch after epoch, reshuffling the order and
calling ``on_epoch_end`` between epochs, as tf.keras 2's
``keras.utils.OrderedEnqueuer``: ``start(workers, max_queue_size)``, an
endless ``get()``, ``stop(timeout)``, ``is_running()``.  ``SequenceEnqueuer``
is their base class, shared with ``GeneratorEnqueuer`` (``generator_enqueuer.py``).

A background thread submits loading jobs to a pool (threads, or processes with
``use_multiprocessing=True``, from ``multiprocessing``'s default start method)
and queues the pending results in order; ``get()`` waits on them one by one.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import numbers
import os
import queue
import random
import threading

import numpy as np

_POLL_S = 0.05  # how often blocked threads look at the stop signal
_UIDS = itertools.count()

# The sequence (or generator) of a worker process, set once by the pool's initializer.
_WORKER_SOURCE = None


def _init_worker(source, random_seed=None) -> None:
    global _WORKER_SOURCE
    _WORKER_SOURCE = source
    if random_seed is not None:  # as Keras 2: each process seeds NumPy with seed + its pid
        np.random.seed((random_seed + os.getpid()) % 2**32)


def _worker_getitem(index):
    return _WORKER_SOURCE[index]


def _worker_next():
    return next(_WORKER_SOURCE)


class SequenceEnqueuer:
    """Base class of Keras 2's enqueuers: workers that load data ahead of the consumer.

    Subclasses implement ``_run`` (runs in a background thread: submit jobs to
    ``self._executor(...)`` and hand the futures to ``self._put``) and ``get``
    (an endless generator of the loaded data).  Use it as tf.keras 2's
    ``keras.utils.SequenceEnqueuer``::

        enqueuer.start(workers=2, max_queue_size=10)
        batches = enqueuer.get()
        ...  # next(batches) as long as needed
        enqueuer.stop()

    Args:
        sequence: what the workers read (a ``Sequence`` or a generator).
        use_multiprocessing: load in processes (``multiprocessing``'s default
            start method: the source must be picklable unless it is ``fork``)
            rather than threads.
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.uid = next(_UIDS)
        self.workers = 0
        self.queue = None
        self.run_thread = None
        self.stop_signal = None

    def is_running(self) -> bool:
        """Whether ``start`` was called and neither ``stop`` nor a loading error ended the run."""
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10) -> None:
        """Start the background thread and its pool of ``workers`` threads or processes.

        Args:
            workers: number of loading threads (processes with ``use_multiprocessing``), >= 1.
            max_queue_size: how many loaded (or loading) items may wait for ``get``;
                ``0`` or less for no limit, as ``queue.Queue``.
        """
        if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
            raise ValueError(f"{type(self).__name__}.start: `workers` must be an integer >= 1. "
                             f"Received: workers={workers!r}")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, numbers.Integral):
            raise TypeError(f"{type(self).__name__}.start: `max_queue_size` must be an integer. "
                            f"Received: max_queue_size={max_queue_size!r}")
        if self.is_running():
            raise RuntimeError(f"This {type(self).__name__} is already running: call `stop()` "
                               "before starting it again.")
        self.workers = int(workers)
        self.queue = queue.Queue(int(max_queue_size))
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run_and_report, daemon=True,
                                           name=f"keraton-enqueuer-{self.uid}")
        self.run_thread.start()

    def stop(self, timeout=None) -> None:
        """Stop the run: cancel queued jobs, then wait (up to ``timeout`` seconds) for the
        background thread, which shuts its pool down and joins every worker."""
        if self.stop_signal is None:
            return
        self.stop_signal.set()
        q = self.queue
        with q.mutex:
            for future in q.queue:
                future.cancel()
            q.queue.clear()
            q.unfinished_tasks = 0
            q.not_full.notify_all()
            q.all_tasks_done.notify_all()
        if self.run_thread is not None and self.run_thread is not threading.current_thread():
            self.run_thread.join(timeout)

    def __del__(self):
        if getattr(self, "stop_signal", None) is not None and self.is_running():
            self.stop()

    def _run(self):
        """Submit loading jobs and queue their futures; runs in the background thread."""
        raise NotImplementedError(f"{type(self).__name__} must implement `_run`.")

    def get(self):
        """Endless generator of loaded data; ``None`` items are skipped, as Keras 2."""
        raise NotImplementedError(f"{type(self).__name__} must implement `get`.")

    def _run_and_report(self) -> None:
        try:
            self._run()
        except BaseException as e:  # handed to the consumer, whose `get` re-raises it
            failed = concurrent.futures.Future()
            failed.set_exception(e)
            self._put(failed)

    def _executor(self, initargs):
        """A fresh pool: ``workers`` processes (initialised with ``initargs``) or threads."""
        if self.use_multiprocessing:
            return concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(),
                initializer=_init_worker, initargs=initargs)
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix=f"keraton-enqueuer-{self.uid}-worker")

    def _put(self, future) -> bool:
        """Queue ``future``, waiting for room; ``False`` (and the job cancelled) once stopped."""
        while not self.stop_signal.is_set():
            try:
                self.queue.put(future, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        future.cancel()
        return False

    def _next_future(self):
        """The next queued future, or ``None`` once the run is stopped."""
        while self.is_running():
            try:
                return self.queue.get(timeout=_POLL_S)
            except queue.Empty:
                continue
        return None

    def _task_done(self) -> None:
        if self.is_running():
            try:
                self.queue.task_done()
            except ValueError:  # `stop` cleared the queue's count meanwhile
                pass


class OrderedEnqueuer(SequenceEnqueuer):
    """Load the batches of a ``Sequence`` ahead, in threads or processes, and hand them out in order.

    As tf.keras 2's ``keras.utils.OrderedEnqueuer``: ``get()`` yields
    ``sequence[i]`` for every index of an epoch in order, then the next epoch,
    endlessly.  With ``shuffle=True`` the index order is shuffled in place with
    Python's ``random.shuffle`` at the start of every epoch (so ``random.seed``
    fixes it, as in Keras 2).  Once the consumer has received every batch of
    an epoch, ``sequence.on_epoch_end()`` is called, before any batch of the
    next epoch is loaded; process workers are started afresh each epoch and so
    see the sequence's new state.  An exception raised by ``__getitem__`` is
    re-raised by ``get()`` (same type), which stops the enqueuer.

    Args:
        sequence: a :class:`keraton.utils.Sequence` (``PyDataset``) or any object
            with ``__len__``, ``__getitem__`` and ``on_epoch_end``.
        use_multiprocessing: load in processes rather than threads.
        shuffle: shuffle the batch order at the start of each epoch.

    Example:

    >>> import numpy as np
    >>> from keraton.utils.py_dataset import Sequence
    >>> class Halves(Sequence):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         return np.full((2, 1), i / 2), np.full((2, 1), float(i))
    >>> enqueuer = OrderedEnqueuer(Halves())
    >>> enqueuer.start(workers=2, max_queue_size=4)
    >>> batches = enqueuer.get()
    >>> [float(next(batches)[1][0, 0]) for _ in range(4)]
    [0.0, 1.0, 2.0, 0.0]
    >>> enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def _run(self) -> None:
        indices = list(range(len(self.sequence)))
        if not indices:
            raise ValueError(f"OrderedEnqueuer: the sequence {type(self.sequence).__name__} has no "
                             "batches (`len(sequence) == 0`); give it at least one batch.")
        while not self.stop_signal.is_set():
            if self.shuffle:
                random.shuffle(indices)
            executor = self._executor((self.sequence,))
            load = (_worker_getitem if self.use_multiprocessing
                    else self.sequence.__getitem__)
            try:
                for i in indices:
                    if self.stop_signal.is_set() or not self._put(executor.submit(load, i)):
                        return
                self._wait_until_consumed()
                if self.stop_signal.is_set():
                    return
            finally:
                executor.shutdown(wait=True, cancel_futures=True)
            self.sequence.on_epoch_end()

    def _wait_until_consumed(self) -> None:
        q = self.queue
        with q.all_tasks_done:
            while q.unfinished_tasks and not self.stop_signal.is_set():
                q.all_tasks_done.wait(_POLL_S)

    def get(self):
        """Endless generator of the sequence's batches, in order, epoch after epoch.

        Batches that are ``None`` are skipped.  A loading error stops the
        enqueuer and is raised here; after ``stop()`` the generator ends.
        """
        while True:
            future = self._next_future()
            if future is None:
                return
            try:
                inputs = future.result()
            except concurrent.futures.CancelledError:
                return  # stop() was called while this batch was pending
            except Exception:
                self.stop()
                raise
            self._task_done()
            if inputs is not None:
                yield inputs
