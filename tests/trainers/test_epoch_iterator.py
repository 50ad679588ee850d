"""EpochIterator: one pass per epoch, or steps_per_epoch batches carried across epochs."""

import pytest
import torch

from keraton.trainers.data_adapters import ArrayDataAdapter
from keraton.trainers.epoch_iterator import EpochIterator


def _firsts(iterator):
    # x alone comes back bare, as Keras packs it (no 1-tuple).
    return [int(batch[0, 0]) for _, batch in iterator.enumerate_epoch()]


def test_full_pass_each_epoch():
    adapter = ArrayDataAdapter(torch.arange(10.0).reshape(10, 1), batch_size=4)
    it = EpochIterator(adapter)
    assert it.steps_per_epoch == 3
    assert _firsts(it) == [0, 4, 8]
    assert _firsts(it) == [0, 4, 8]


def test_steps_per_epoch_continues_then_ends_the_epoch_when_data_runs_out():
    """Keras 3's rule: the iterator carries over; running out ends that epoch short, with a warning."""
    adapter = ArrayDataAdapter(torch.arange(10.0).reshape(10, 1), batch_size=4)
    it = EpochIterator(adapter, steps_per_epoch=2)
    assert it.steps_per_epoch == 2
    assert _firsts(it) == [0, 4]
    with pytest.warns(UserWarning, match="ran out of data after 1 of the 2 steps"):
        assert _firsts(it) == [8]
    assert _firsts(it) == [0, 4]
    assert [s for s, _ in it.enumerate_epoch()] == [0]


def test_invalid_steps():
    adapter = ArrayDataAdapter(torch.zeros(4, 1))
    with pytest.raises(ValueError, match="steps_per_epoch"):
        EpochIterator(adapter, steps_per_epoch=0)
