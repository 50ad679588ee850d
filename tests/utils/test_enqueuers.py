"""OrderedEnqueuer / GeneratorEnqueuer: tf.keras 2's batch order, shuffling, epoch ends, errors, stop.

Expected orders were observed with tf.keras 2 (TensorFlow 2.15,
``keras.src.utils.data_utils.OrderedEnqueuer``) on the same ``_Seq``.
"""

import multiprocessing
import os
import random
import threading
import time

import numpy as np
import pytest

import keraton
from keraton.utils.enqueuers import OrderedEnqueuer, SequenceEnqueuer
from keraton.utils.generator_enqueuer import GeneratorEnqueuer
from keraton.utils.py_dataset import Sequence

FORK = multiprocessing.get_start_method() == "fork"  # spawned workers would import keraton: slow
BACKENDS = [False, pytest.param(True, marks=pytest.mark.skipif(not FORK, reason="fork only"))]


class _Seq(Sequence):
    """Batch ``i`` is ``(i, number of on_epoch_end calls so far, pid of the loader)``."""

    def __init__(self, n=6, fail_at=None):
        self.n, self.fail_at, self.ends = n, fail_at, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise KeyError(f"no batch {i}")
        return i, self.ends, os.getpid()

    def on_epoch_end(self):
        self.ends += 1


def _take(enqueuer, n):
    batches = enqueuer.get()
    return [next(batches)[:2] for _ in range(n)]


# tf.keras 2, random.seed(1234), shuffle=True, a 6-batch sequence: three epochs.
TF2_SHUFFLED = [1, 2, 5, 4, 0, 3, 5, 4, 2, 0, 1, 3, 0, 2, 4, 1, 3, 5]


@pytest.mark.parametrize("use_multiprocessing", BACKENDS)
@pytest.mark.parametrize("shuffle", [False, True])
def test_ordered_enqueuer_order_and_epochs_match_tf_keras_2(use_multiprocessing, shuffle):
    random.seed(1234)
    seq = _Seq()
    enqueuer = OrderedEnqueuer(seq, use_multiprocessing=use_multiprocessing, shuffle=shuffle)
    enqueuer.start(workers=2, max_queue_size=3)
    out = _take(enqueuer, 18)
    enqueuer.stop()
    indices = TF2_SHUFFLED if shuffle else list(range(6)) * 3
    # Every batch of epoch k is loaded after the k-th on_epoch_end call.
    assert out == [(i, k // 6) for k, i in enumerate(indices)]
    assert seq.ends >= 2
    assert not enqueuer.is_running()


def test_shuffle_uses_python_random_not_numpy():
    orders = []
    for np_seed in (0, 1):
        random.seed(1234)
        np.random.seed(np_seed)
        enqueuer = OrderedEnqueuer(_Seq(), shuffle=True)
        enqueuer.start(workers=1)
        orders.append([i for i, _ in _take(enqueuer, 6)])
        enqueuer.stop()
    assert orders == [TF2_SHUFFLED[:6]] * 2


def test_none_batches_are_skipped_and_queue_is_bounded():
    class Counting(_Seq):
        calls = 0

        def __getitem__(self, i):
            Counting.calls += 1
            return None if i == 1 else i

    enqueuer = OrderedEnqueuer(Counting(n=20))
    enqueuer.start(workers=1, max_queue_size=2)
    for _ in range(20):  # wait for the loader to fill the queue (2 queued + 1 waiting to be)
        time.sleep(0.01)
    assert Counting.calls <= 3
    batches = enqueuer.get()
    assert [next(batches) for _ in range(3)] == [0, 2, 3]
    enqueuer.stop()


@pytest.mark.parametrize("use_multiprocessing", BACKENDS)
def test_worker_exception_is_raised_by_get_with_its_type(use_multiprocessing):
    enqueuer = OrderedEnqueuer(_Seq(fail_at=2), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2)
    batches = enqueuer.get()
    assert [next(batches)[0] for _ in range(2)] == [0, 1]
    with pytest.raises(KeyError, match="no batch 2"):
        next(batches)
    assert not enqueuer.is_running()
    assert not enqueuer.run_thread.is_alive()


def test_errors_of_the_loading_thread_reach_get():
    class BadEpochEnd(_Seq):
        def on_epoch_end(self):
            raise ZeroDivisionError("epoch end failed")

    enqueuer = OrderedEnqueuer(BadEpochEnd(n=2))
    enqueuer.start()
    batches = enqueuer.get()
    assert [next(batches)[0] for _ in range(2)] == [0, 1]
    with pytest.raises(ZeroDivisionError, match="epoch end failed"):
        next(batches)
    empty = OrderedEnqueuer(_Seq(n=0))
    empty.start()
    with pytest.raises(ValueError, match="no batches"):
        next(empty.get())


def test_stop_joins_every_worker_thread():
    enqueuer = OrderedEnqueuer(_Seq(n=50))
    enqueuer.start(workers=3, max_queue_size=5)
    batches = enqueuer.get()
    next(batches)
    names = {t.name for t in threading.enumerate()}
    prefix = f"keraton-enqueuer-{enqueuer.uid}"
    assert any(name.startswith(prefix + "-worker") for name in names)
    enqueuer.stop()
    assert not enqueuer.is_running()
    assert not any(t.name.startswith(prefix) for t in threading.enumerate())
    assert list(batches) == []  # get() ends once stopped


@pytest.mark.skipif(not FORK, reason="fork only")
def test_stop_joins_every_worker_process():
    enqueuer = OrderedEnqueuer(_Seq(n=4), use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=4)
    batches = enqueuer.get()
    pids = {next(batches)[2] for _ in range(6)}  # two epochs: a fresh pool each
    assert os.getpid() not in pids
    enqueuer.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):  # joined and reaped, not a zombie
            os.kill(pid, 0)
    assert not {p.pid for p in multiprocessing.active_children()} & pids


def test_start_checks_its_arguments():
    enqueuer = OrderedEnqueuer(_Seq())
    with pytest.raises(ValueError, match="workers"):
        enqueuer.start(workers=0)
    with pytest.raises(TypeError, match="max_queue_size"):
        enqueuer.start(max_queue_size=2.5)
    enqueuer.start()
    with pytest.raises(RuntimeError, match="already running"):
        enqueuer.start()
    enqueuer.stop()
    enqueuer.stop()  # a second stop does nothing
    assert isinstance(enqueuer, SequenceEnqueuer)
    assert (enqueuer.workers, enqueuer.shuffle, enqueuer.use_multiprocessing) == (1, False, False)


def _gen(n):
    for i in range(n):
        yield None if i == 2 else i


@pytest.mark.parametrize("use_multiprocessing", BACKENDS)
def test_generator_enqueuer_yields_the_items_then_ends(use_multiprocessing):
    enqueuer = GeneratorEnqueuer(_gen(6), use_multiprocessing=use_multiprocessing, random_seed=3)
    enqueuer.start(workers=1, max_queue_size=2)
    assert list(enqueuer.get()) == [0, 1, 3, 4, 5]
    assert enqueuer.is_running()  # as Keras 2: exhaustion ends get(), stop() ends the run
    enqueuer.stop()
    assert not enqueuer.is_running() and not enqueuer.run_thread.is_alive()


def test_generator_enqueuer_errors():
    def failing():
        yield 1
        raise OSError("disk gone")

    enqueuer = GeneratorEnqueuer(failing())
    enqueuer.start()
    batches = enqueuer.get()
    assert next(batches) == 1
    with pytest.raises(OSError, match="disk gone"):
        next(batches)
    assert not enqueuer.is_running()

    def slow():
        while True:
            time.sleep(0.05)
            yield 0

    enqueuer = GeneratorEnqueuer(slow())
    enqueuer.start(workers=4)
    with pytest.raises(RuntimeError, match="not thread-safe"):
        list(enqueuer.get())


def test_fit_on_batches_from_an_ordered_enqueuer():
    class Data(Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            x = np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2) + i
            return x, x.sum(axis=1, keepdims=True) * 0.5

    def model():
        keraton.utils.set_random_seed(0)
        m = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
        m.compile(keraton.optimizers.SGD(0.05), "mse")
        return m

    enqueuer = OrderedEnqueuer(Data())
    enqueuer.start(workers=2, max_queue_size=4)
    enqueued = model()
    history = enqueued.fit(enqueuer.get(), steps_per_epoch=3, epochs=2, verbose=0)
    enqueuer.stop()
    x = np.concatenate([Data()[i][0] for i in range(3)])
    y = np.concatenate([Data()[i][1] for i in range(3)])
    direct = model()
    expected = direct.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-6)
    for a, b in zip(enqueued.get_weights(), direct.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
