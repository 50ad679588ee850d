"""PyDataset / Sequence: Keras 3's defaults, iteration, and the warning when super().__init__ is skipped."""

import warnings

import pytest

import keraton


class _Three(keraton.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return [float(i)], [float(2 * i)]


class _NoSuper(keraton.utils.PyDataset):
    def __init__(self):
        pass

    def __len__(self):
        return 1

    def __getitem__(self, i):
        return [0.0]


class _OldSequence(keraton.utils.Sequence):
    def __init__(self):
        pass

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return [float(i)]


def test_defaults_match_keras():
    keras = pytest.importorskip("keras")
    ours, theirs = _Three(), keras.utils.PyDataset()
    assert (ours.workers, ours.use_multiprocessing, ours.max_queue_size) == \
        (theirs.workers, theirs.use_multiprocessing, theirs.max_queue_size) == (1, False, 10)
    custom = _Three(workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (custom.workers, custom.use_multiprocessing, custom.max_queue_size) == (4, True, 3)


def test_iteration_and_num_batches():
    assert _Three().num_batches == 3
    assert list(_Three()) == [([0.0], [0.0]), ([1.0], [2.0]), ([2.0], [4.0])]


def test_missing_super_warns_for_pydataset_not_for_sequence():
    with pytest.warns(UserWarning, match="should call `super\\(\\).__init__"):
        assert _NoSuper().workers == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _OldSequence().workers == 1 and list(_OldSequence()) == [[0.0], [1.0]]


def test_missing_getitem_and_len():
    class Empty(keraton.utils.PyDataset):
        pass

    with pytest.raises(NotImplementedError, match="__getitem__"):
        Empty()[0]
    with pytest.raises(NotImplementedError, match="num_batches"):
        _ = Empty().num_batches
