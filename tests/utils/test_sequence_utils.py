"""pad_sequences against Keras 3's keras.utils.pad_sequences."""

import numpy as np
import pytest

from keraton.preprocessing.sequence import pad_sequences as keras2_pad_sequences
from keraton.utils import pad_sequences

SEQS = [[1, 2, 3, 4], [5], [], [6, 7], [8, 9, 10, 11, 12, 13]]


@pytest.mark.parametrize("maxlen", [None, 3, 6, 8])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("dtype,value", [("int32", 0), ("float32", -1.5), ("int64", 7)])
def test_matches_keras(maxlen, padding, truncating, dtype, value):
    keras = pytest.importorskip("keras")
    kwargs = dict(maxlen=maxlen, padding=padding, truncating=truncating, dtype=dtype, value=value)
    ours = pad_sequences(SEQS, **kwargs)
    theirs = keras.utils.pad_sequences(SEQS, **kwargs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_hand_values_and_keras2_path():
    assert pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist() == [[2, 3], [0, 4]]
    assert keras2_pad_sequences([[1, 2, 3], [4]], maxlen=2, truncating="post",
                                padding="post").tolist() == [[1, 2], [4, 0]]


def test_item_shapes_and_strings():
    keras = pytest.importorskip("keras")
    seqs = [np.ones((2, 3)), np.arange(9.0).reshape(3, 3)]
    np.testing.assert_array_equal(pad_sequences(seqs, dtype="float32"),
                                  keras.utils.pad_sequences(seqs, dtype="float32"))
    words = [["a", "bb"], ["ccc"]]
    assert pad_sequences(words, dtype=object, value="").tolist() == [["a", "bb"], ["", "ccc"]]


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "middle"}, "padding"),
    ({"truncating": "mid"}, "truncating"),
    ({"value": "x"}, "dtype"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences([[1, 2]], maxlen=1, **kwargs)


def test_non_iterable_and_ragged_items():
    with pytest.raises(ValueError, match="Found non-iterable: 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="position 1"):
        pad_sequences([np.ones((1, 2)), np.ones((1, 3))])
