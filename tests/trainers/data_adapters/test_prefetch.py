"""Background loading: order, errors, early stop, and parallel loading in threads."""

import threading
import time

import pytest

from keraton.trainers.data_adapters.prefetch import ordered_map, prefetch


def test_prefetch_keeps_order_and_reraises():
    assert list(prefetch(iter(range(50)), max_queue_size=3)) == list(range(50))

    def failing():
        yield 1
        raise KeyError("bad batch")

    items = prefetch(failing())
    assert next(items) == 1
    with pytest.raises(KeyError, match="bad batch"):
        next(items)


def test_prefetch_stops_its_thread_when_the_consumer_stops():
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    before = threading.active_count()
    items = prefetch(endless(), max_queue_size=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    time.sleep(0.3)
    assert threading.active_count() == before
    assert len(produced) <= 3 + 2 + 2  # bounded by the queue, not run to infinity


class _Overlapping:
    """Items whose loads record how many run at once; each waits (up to 5 s) for company, so a
    pool that loads in parallel shows overlap without the test depending on timing."""

    def __init__(self, workers):
        self.workers = workers
        self.active = 0
        self.most = 0
        self.lock = threading.Condition()

    def __getitem__(self, i):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.lock.notify_all()
            self.lock.wait_for(lambda: self.active >= self.workers, timeout=5.0)
        time.sleep(0.001)
        with self.lock:
            self.active -= 1
        return i * i


@pytest.mark.parametrize("workers", [2, 4])
def test_ordered_map_is_ordered_and_parallel(workers):
    source = _Overlapping(workers)
    assert list(ordered_map(source, range(8), workers=workers)) == [i * i for i in range(8)]
    assert source.most == workers  # the pool ran `workers` loads at the same time, never more
