"""Background loading: batches are produced in threads while the training step runs.

``prefetch`` runs an iterable in one daemon thread and hands its items over a
bounded queue, so a slow source (a generator reading files, a ``PyDataset``
decoding images) overlaps the step.  ``ordered_map`` runs ``fn(i)`` for
``i`` in order on ``workers`` threads or processes, keeping at most
``max_queue_size`` results in flight and yielding them in index order, as
Keras's ``OrderedEnqueuer``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import queue
import threading

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetch(iterable, max_queue_size: int = 10):
    """Yield the items of ``iterable``, produced ahead by a background thread.

    Exceptions raised by the source are re-raised in the consumer.  If the
    consumer stops early (``steps_per_epoch``, ``stop_training``) the thread
    stops at its next item.
    """
    items: queue.Queue = queue.Queue(maxsize=max(1, int(max_queue_size)))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in iterable:
                if not put(item):
                    return
        except BaseException as e:  # handed to the consumer, which re-raises it
            put(_Failure(e))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, daemon=True, name="keraton-prefetch")
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()


_PROCESS_SOURCE = None


def _init_process(source) -> None:
    global _PROCESS_SOURCE
    _PROCESS_SOURCE = source


def _process_get(index):
    return _PROCESS_SOURCE[index]


def ordered_map(source, indices, workers: int, use_multiprocessing: bool = False,
                max_queue_size: int = 10):
    """Yield ``source[i]`` for ``i`` in ``indices``, loaded by a pool, in order.

    Threads by default (``__getitem__`` that does I/O or NumPy/torch work
    releases the GIL); with ``use_multiprocessing`` a forked process pool,
    for pure-Python loading that holds the GIL.
    """
    in_flight = max(int(workers), int(max_queue_size), 1)
    if use_multiprocessing:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"),
            initializer=_init_process, initargs=(source,))
        submit = lambda i: pool.submit(_process_get, i)  # noqa: E731
    else:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                     thread_name_prefix="keraton-loader")
        submit = lambda i: pool.submit(source.__getitem__, i)  # noqa: E731
    pending = []
    indices = iter(indices)
    try:
        for i in indices:
            pending.append(submit(i))
            if len(pending) >= in_flight:
                break
        while pending:
            result = pending.pop(0).result()
            for i in indices:
                pending.append(submit(i))
                break
            yield result
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
