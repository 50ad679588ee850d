"""keraton.preprocessing.sequence against Keras 3's legacy (Keras 2) copy."""

import random

import numpy as np
import pytest

from keraton.preprocessing.sequence import make_sampling_table, pad_sequences, skipgrams
from keraton.utils import pad_sequences as utils_pad_sequences


@pytest.fixture
def legacy():
    pytest.importorskip("keras")
    from keras.src.legacy.preprocessing import sequence
    return sequence


@pytest.mark.parametrize("size,factor", [(10, 1e-5), (1000, 1e-3)])
def test_make_sampling_table(legacy, size, factor):
    np.testing.assert_allclose(make_sampling_table(size, factor), legacy.make_sampling_table(size, factor),
                               rtol=1e-12)


@pytest.mark.parametrize("kwargs", [
    {}, {"window_size": 2, "negative_samples": 0.5, "categorical": True},
    {"shuffle": False, "negative_samples": 2.0}, {"seed": 5},
    {"sampling_table": "table"},
])
def test_skipgrams_match_keras2(legacy, kwargs):
    seq = [1, 4, 0, 3, 2, 5, 5, 1, 7]
    if kwargs.get("sampling_table") == "table":
        kwargs = {"sampling_table": np.linspace(0.2, 1, 10)}
    random.seed(3)
    ours = skipgrams(seq, 10, **kwargs)
    random.seed(3)
    theirs = legacy.skipgrams(seq, 10, **kwargs)
    assert ours == theirs


def test_skipgrams_hand_example():
    couples, labels = skipgrams([1, 2, 3], 4, window_size=1, negative_samples=0, shuffle=False)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2]] and labels == [1, 1, 1, 1]


def test_pad_sequences_is_the_keras3_function():
    assert pad_sequences is utils_pad_sequences
