"""``TimedThread``: run ``on_interval()`` in a background thread every ``interval`` seconds (tf.keras 2.15)."""

from __future__ import annotations

import logging
import numbers
import threading


class TimedThread:
    """A thread that calls ``on_interval()`` every ``interval`` seconds until stopped.

    As tf.keras 2's ``keras.utils.TimedThread``: subclass it and implement
    ``on_interval``; ``start()`` runs it at once and then every ``interval``
    seconds in a (by default daemon) thread, ``stop()`` asks the thread to
    end (it does not wait: the thread finishes after the ``on_interval`` call
    in progress), ``is_alive()`` says whether it still runs.  As a context
    manager it starts on entry and stops on exit.  An exception in
    ``on_interval`` ends the thread.  Mixed with ``keras.callbacks.Callback``
    (call both ``__init__``), it can read the model during ``fit``.

    Args:
        interval: seconds to wait between two ``on_interval`` calls.
        **kwargs: passed to ``threading.Thread`` (``name``...); ``daemon``
            defaults to ``True``.

    Example:

    >>> class Ticks(TimedThread):
    ...     def __init__(self, interval, stop_after):
    ...         super().__init__(interval)
    ...         self.ticks, self.stop_after = 0, stop_after
    ...     def on_interval(self):
    ...         self.ticks += 1
    ...         if self.ticks == self.stop_after:
    ...             self.stop()
    >>> ticker = Ticks(interval=0.01, stop_after=3)
    >>> ticker.start()
    >>> ticker.thread.join()
    >>> ticker.ticks
    3
    """

    def __init__(self, interval, **kwargs):
        if isinstance(interval, bool) or not isinstance(interval, numbers.Real) or interval < 0:
            raise ValueError("TimedThread: `interval` must be a number of seconds >= 0. "
                             f"Received: interval={interval!r}")
        if "target" in kwargs or "args" in kwargs or "kwargs" in kwargs:
            raise TypeError("TimedThread: the thread runs `on_interval`; implement it in a "
                            "subclass instead of passing `target`/`args`/`kwargs`.")
        self.interval = interval
        self.daemon = kwargs.pop("daemon", True)
        self.thread_kwargs = kwargs
        self.thread = None
        self.thread_stop_event = None

    def _call_on_interval(self) -> None:
        while not self.thread_stop_event.is_set():
            self.on_interval()
            self.thread_stop_event.wait(self.interval)

    def start(self) -> None:
        """Start the thread (a warning, and nothing else, if it is already running)."""
        if self.thread is not None and self.thread.is_alive():
            logging.getLogger("keraton").warning("Thread is already running.")
            return
        self.thread_stop_event = threading.Event()
        self.thread = threading.Thread(target=self._call_on_interval, daemon=self.daemon,
                                       **self.thread_kwargs)
        self.thread.start()

    def stop(self) -> None:
        """Ask the thread to stop; it ends after the ``on_interval`` call in progress, if any."""
        if self.thread_stop_event is not None:
            self.thread_stop_event.set()

    def is_alive(self) -> bool:
        """Whether the thread is running."""
        return self.thread is not None and self.thread.is_alive()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *args, **kwargs):
        self.stop()

    def on_interval(self):
        """What to run every ``interval`` seconds; implemented by subclasses."""
        raise NotImplementedError("Runs every x interval seconds. Needs to be implemented in "
                                  "subclasses of `TimedThread`")
