"""Keras 2's ``GeneratorEnqueuer``: a Python generator run ahead by threads or processes."""

from __future__ import annotations

import concurrent.futures
import queue

from keraton.utils.enqueuers import SequenceEnqueuer, _worker_next


class GeneratorEnqueuer(SequenceEnqueuer):
    """Run a Python generator in worker threads or processes and queue its items.

    As tf.keras 2's ``keras.utils.GeneratorEnqueuer``: every job is one
    ``next(generator)``.  With several thread workers the generator must be
    thread-safe (an unsafe one raises ``RuntimeError``); with
    ``use_multiprocessing`` each process runs its own copy of the generator
    (``fork`` start method only: generators cannot be pickled), so items may
    repeat, as in Keras 2.  When a finite generator is exhausted, ``get()``
    yields the items already loaded and ends.

    Args:
        generator: the generator (any iterator) to run.
        use_multiprocessing: run it in processes rather than threads.
        random_seed: with processes, each one seeds NumPy with
            ``random_seed + its pid``; unused with threads (as Keras 2).

    Example:

    >>> enqueuer = GeneratorEnqueuer(iter(range(3)))
    >>> enqueuer.start(workers=1, max_queue_size=2)
    >>> list(enqueuer.get())
    [0, 1, 2]
    >>> enqueuer.stop()
    """

    def __init__(self, generator, use_multiprocessing=False, random_seed=None):
        super().__init__(generator, use_multiprocessing)
        self.random_seed = random_seed

    def _run(self) -> None:
        executor = self._executor((self.sequence, self.random_seed))
        try:
            while not self.stop_signal.is_set():
                future = (executor.submit(_worker_next) if self.use_multiprocessing
                          else executor.submit(next, self.sequence))
                if not self._put(future):
                    return
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    def get(self):
        """Endless generator of the generator's items (``None`` skipped); ends when it is exhausted."""
        try:
            while True:
                future = self._next_future()
                if future is None:
                    return
                inputs = future.result()
                self._task_done()
                if inputs is not None:
                    yield inputs
        except StopIteration:
            yield from self._loaded_before_exhaustion()
        except concurrent.futures.CancelledError:
            return
        except Exception as e:  # not GeneratorExit: closing this generator leaves the run alone
            self.stop()
            if "generator already executing" in str(e):
                raise RuntimeError(
                    "Your generator is not thread-safe: with `use_multiprocessing=False` and "
                    "`workers > 1` several threads call `next` on it at once. Use `workers=1`, "
                    "a thread-safe iterator, or a `keras.utils.Sequence`.") from e
            raise

    def _loaded_before_exhaustion(self):
        pending = []
        while True:
            try:
                pending.append(self.queue.get_nowait())
            except queue.Empty:
                break
        concurrent.futures.wait(pending)
        for future in pending:
            if not future.cancelled() and future.exception() is None and future.result() is not None:
                yield future.result()
