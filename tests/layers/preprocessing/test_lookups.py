"""StringLookup and IntegerLookup.

Keras 3's lookup layers need TensorFlow, which this environment does not
have, so expected values are hand computations of Keras's documented index
layout (the examples of the Keras docstrings) and its adapt ordering.
"""

import numpy as np
import pytest
import torch

from keraton import layers

VOCAB = ["a", "b", "c", "d"]
DATA = np.array([["a", "c", "d"], ["d", "z", "b"]], dtype=object)


@pytest.mark.parametrize("kwargs, expected_vocab, expected", [
    ({}, ["[UNK]", "a", "b", "c", "d"], [[1, 3, 4], [4, 0, 2]]),
    ({"num_oov_indices": 2}, ["[UNK]", "[UNK]", "a", "b", "c", "d"], None),
    ({"mask_token": ""}, ["", "[UNK]", "a", "b", "c", "d"], [[2, 4, 5], [5, 1, 3]]),
    ({"num_oov_indices": 0}, ["a", "b", "c", "d"], "error"),
])
def test_string_lookup_int(kwargs, expected_vocab, expected):
    layer = layers.StringLookup(vocabulary=VOCAB, **kwargs)
    assert layer.get_vocabulary() == expected_vocab
    assert layer.vocabulary_size() == len(expected_vocab)
    if expected == "error":
        with pytest.raises(ValueError, match="num_oov_indices=0"):
            layer(DATA)
        return
    out = layer(DATA)
    assert out.dtype == torch.int64
    if expected is None:  # two OOV buckets: in-vocabulary indices fixed, "z" in bucket 0 or 1
        assert out[0].tolist() == [2, 4, 5] and out[1, 0] == 5 and out[1, 2] == 3
        assert out[1, 1] in (0, 1)
    else:
        assert out.tolist() == expected


@pytest.mark.parametrize("mode, expected", [
    ("one_hot", [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]),
    ("multi_hot", [[1, 1, 0, 0, 1]]),
    ("count", [[1, 2, 0, 0, 1]]),
])
def test_string_lookup_encodings(mode, expected):
    layer = layers.StringLookup(vocabulary=VOCAB, output_mode=mode)
    x = [["a"], ["z"], ["d"]] if mode == "one_hot" else [["a", "z", "a", "d"]]
    np.testing.assert_array_equal(layer(x).numpy(), np.array(expected, dtype="float32"))


def test_string_lookup_tf_idf_and_mask_in_multi_hot():
    layer = layers.StringLookup(vocabulary=VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4], output_mode="tf_idf")
    # Keras's docstring example: the OOV weight is the mean of the given idf weights.
    expected = [[0.0, 0.25, 0.0, 0.6, 0.4], [0.5, 0.0, 0.75, 0.0, 0.4]]
    np.testing.assert_allclose(layer(DATA).numpy(), expected, rtol=1e-6)
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="multi_hot")
    # In non-int modes there is no mask slot and mask tokens are dropped.
    assert masked.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    np.testing.assert_array_equal(masked([["a", "", ""]]).numpy(), [[0, 1, 0, 0, 0]])


def test_string_lookup_adapt_order_max_tokens_and_invert():
    layer = layers.StringLookup(max_tokens=4)
    layer.adapt(np.array(["b", "a", "c", "b", "c", "d", "[UNK]", "b"], dtype=object))
    # Most frequent first; ties by token descending (c before a and d; d before a); cut to 4 with OOV.
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "d"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["b", "c", "d"]
    inverse = layers.StringLookup(vocabulary=layer.get_vocabulary(), invert=True)
    assert inverse(torch.tensor([[1, 0, 3]])).tolist() == [["b", "[UNK]", "d"]]


def test_string_lookup_adapt_tf_idf():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "a", "b"], ["b", "c", "c"]])
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    idf_one, idf_two = np.log(1 + 2 / 2), np.log(1 + 2 / 3)  # log(1 + docs / (1 + doc freq))
    out = layer([["a", "a", "c", "q"]]).numpy()
    oov = np.mean([idf_one, idf_two, idf_one])
    np.testing.assert_allclose(out, [[oov, idf_one, 0.0, 2 * idf_one]], rtol=1e-6)


def test_string_lookup_config_and_errors():
    layer = layers.StringLookup(vocabulary=["x", "y"], mask_token="")
    config = layer.get_config()
    # Keras 3's StringLookup config keys (index_lookup.py + string_lookup.py).
    for key, value in {"invert": False, "max_tokens": None, "num_oov_indices": 1, "oov_token": "[UNK]",
                       "mask_token": "", "output_mode": "int", "sparse": False, "pad_to_max_tokens": False,
                       "idf_weights": None, "vocabulary": ["x", "y"], "vocabulary_size": 4,
                       "encoding": "utf-8", "salt": None}.items():
        assert config[key] == value, key
    assert "vocabulary_dtype" not in config
    clone = layers.StringLookup.from_config(config)
    assert clone([["y", "x", ""]]).tolist() == [[3, 2, 0]]
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(TypeError, match="expected string tokens"):
        layers.StringLookup(vocabulary=["a"])([[1.5]])
    with pytest.raises(ValueError, match="invert=True"):
        layers.StringLookup(invert=True, output_mode="count")


@pytest.mark.parametrize("num_oov, expected", [(1, [[1, 3], [0, 2]]), (2, [[2, 4], [0, 3]])])
def test_integer_lookup(num_oov, expected):
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138], num_oov_indices=num_oov)
    assert layer(torch.tensor([[12, 1138], [42, 36]])).tolist() == expected
    assert layer.get_vocabulary() == [-1] * num_oov + [12, 36, 1138]


def test_integer_lookup_floormod_oov_mask_invert_and_adapt():
    layer = layers.IntegerLookup(vocabulary=[12, 36], num_oov_indices=3, mask_token=0)
    # OOV value v goes to 1 + v mod 3 (after the mask slot); the mask 0 to index 0.
    assert layer(np.array([0, 12, 7, 8, 36])).tolist() == [0, 4, 2, 3, 5]
    inverse = layers.IntegerLookup(vocabulary=[12, 36], invert=True)
    assert inverse(torch.tensor([2, 0, 1])).tolist() == [36, -1, 12]
    adapted = layers.IntegerLookup()
    adapted.adapt(torch.tensor([5, 3, 5, 9, 3, 5]))
    assert adapted.get_vocabulary() == [-1, 5, 3, 9]
    config = adapted.get_config()
    assert config["oov_method"] == "floormod" and config["vocabulary_dtype"] == "int64"
    assert config["vocabulary_size"] == 4
    with pytest.raises(TypeError, match="expected integer tokens"):
        adapted(["a"])
