"""TimedThread (tf.keras 2.15): on_interval every `interval` seconds, start/stop/is_alive, context manager."""

import logging
import threading
import time

import numpy as np
import pytest

import keraton
from keraton.utils.timed_threads import TimedThread


class _Ticks(TimedThread):
    def __init__(self, interval=0.01, stop_after=None, **kwargs):
        super().__init__(interval, **kwargs)
        self.ticks, self.stop_after = 0, stop_after

    def on_interval(self):
        self.ticks += 1
        if self.ticks == self.stop_after:
            self.stop()


def test_calls_on_interval_until_stopped():
    ticker = _Ticks(stop_after=3)
    assert not ticker.is_alive()
    ticker.start()
    ticker.thread.join(timeout=5)
    assert ticker.ticks == 3
    assert not ticker.is_alive()


def test_waits_interval_between_calls_and_stop_ends_the_wait():
    ticker = _Ticks(interval=60)
    ticker.start()
    for _ in range(500):  # the first call is immediate...
        if ticker.ticks:
            break
        time.sleep(0.01)
    time.sleep(0.05)
    assert ticker.ticks == 1 and ticker.is_alive()  # ...the next one in 60 s
    ticker.stop()
    ticker.thread.join(timeout=5)
    assert not ticker.is_alive() and ticker.ticks == 1


def test_context_manager_and_restart(caplog):
    with _Ticks(interval=60, name="ticker-thread") as ticker:
        assert ticker.is_alive()
        assert ticker.thread.daemon and ticker.thread.name == "ticker-thread"
        first = ticker.thread
        with caplog.at_level(logging.WARNING, logger="keraton"):
            ticker.start()
        assert "already running" in caplog.text and ticker.thread is first
    first.join(timeout=5)
    assert not ticker.is_alive()
    ticker.stop_after = ticker.ticks + 1
    ticker.start()  # a stopped TimedThread starts again with a new thread
    ticker.thread.join(timeout=5)
    assert ticker.thread is not first and ticker.ticks == ticker.stop_after


def test_daemon_argument_and_errors(monkeypatch):
    assert _Ticks(daemon=False).daemon is False
    with pytest.raises(ValueError, match="interval"):
        _Ticks(interval=-1)
    with pytest.raises(ValueError, match="interval"):
        _Ticks(interval="5")
    with pytest.raises(TypeError, match="on_interval"):
        _Ticks(target=print)
    with pytest.raises(NotImplementedError):
        TimedThread(1).on_interval()

    class Failing(TimedThread):
        def on_interval(self):
            raise RuntimeError("boom")

    errors = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_type))
    failing = Failing(0.01)
    failing.start()
    failing.thread.join(timeout=5)
    assert errors == [RuntimeError] and not failing.is_alive()  # an error ends the thread


def test_mixed_with_a_callback_reads_the_model_during_fit():
    class IterationLog(TimedThread, keraton.callbacks.Callback):
        def __init__(self, interval):
            self.epoch, self.seen = None, []
            TimedThread.__init__(self, interval)
            keraton.callbacks.Callback.__init__(self)

        def on_interval(self):
            if self.epoch is not None:
                self.seen.append(int(self.model.optimizer.iterations))

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((8, 2), "float32")
    with IterationLog(interval=0.001) as log:
        model.fit(x, x[:, :1], batch_size=2, epochs=2, verbose=0, callbacks=[log])
    log.thread.join(timeout=5)
    assert log.epoch == 1
    assert log.seen == sorted(log.seen) and all(0 <= s <= 8 for s in log.seen)
