"""TextVectorization.

Keras 3's TextVectorization needs TensorFlow (not installed here): expected
values are hand computations of Keras's documented behaviour (standardize,
split, n-grams, mask "" = 0, OOV "[UNK]" = 1, frequency ordering).
"""

import numpy as np
import pytest
import torch

from keraton import layers

TEXTS = np.array(["The cat sat.", "The dog sat!", "the CAT"], dtype=object)


def test_adapt_and_int_output():
    layer = layers.TextVectorization()
    layer.adapt(TEXTS)
    # the: 3, cat: 2, sat: 2 (ties by token descending: sat before cat), dog: 1
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "cat", "dog"]
    out = layer(["The bird sat", "dog"])
    assert out.dtype == torch.int64
    assert out.tolist() == [[2, 1, 3], [5, 0, 0]]
    fixed = layers.TextVectorization(output_sequence_length=2, vocabulary=["the", "sat"])
    assert fixed(np.array([["the sat the"], ["x"]], dtype=object)).tolist() == [[2, 3], [1, 0]]


@pytest.mark.parametrize("standardize, split, expected", [
    ("lower_and_strip_punctuation", "whitespace", ["ab", "c"]),
    ("lower", "whitespace", ["a.b,", "c"]),
    ("strip_punctuation", "whitespace", ["AB", "c"]),
    (None, "character", list("A.B, c")),
    (None, None, ["A.B, c"]),
    (lambda s: s.replace("B", "x"), lambda s: s.split("."), ["A", "x, c"]),
])
def test_standardize_and_split(standardize, split, expected):
    layer = layers.TextVectorization(standardize=standardize, split=split)
    assert layer._documents(["A.B, c"])[0] == expected


def test_ngrams_and_bag_of_words_modes():
    layer = layers.TextVectorization(ngrams=2, output_mode="count")
    layer.adapt(["a b a"])
    # unigrams then bigrams: a:2, b:1, "a b":1, "b a":1 -> ties by token descending
    assert layer.get_vocabulary() == ["[UNK]", "a", "b a", "b", "a b"]
    # "z" and "b z" are both out of vocabulary
    np.testing.assert_array_equal(layer(["a b z"]).numpy(), [[2, 1, 0, 1, 1]])
    multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=["x", "y"], max_tokens=5,
                                     pad_to_max_tokens=True)
    np.testing.assert_array_equal(multi(["y y q"]).numpy(), [[1, 0, 1, 0, 0]])
    tuple_ngrams = layers.TextVectorization(ngrams=(2,), vocabulary=["a b"])
    assert tuple_ngrams(["a b c"]).tolist() == [[2, 1]]


def test_tf_idf_adapt():
    layer = layers.TextVectorization(output_mode="tf_idf")
    layer.adapt(["a a b", "b c"])
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "c"]
    idf_b, idf_a = np.log(1 + 2 / 3), np.log(1 + 2 / 2)
    oov = np.mean([idf_b, idf_a, idf_a])
    np.testing.assert_allclose(layer(["a a q"]).numpy(), [[oov, 0.0, 2 * idf_a, 0.0]], rtol=1e-6)


def test_adapt_from_batches_and_config():
    layer = layers.TextVectorization(max_tokens=4, output_sequence_length=3)
    layer.adapt(iter([np.array(["x y"], dtype=object), ["y z", "y"]]))
    assert layer.get_vocabulary() == ["", "[UNK]", "y", "z"]
    config = layer.get_config()
    for key, value in {"max_tokens": 4, "standardize": "lower_and_strip_punctuation", "split": "whitespace",
                       "ngrams": None, "output_mode": "int", "output_sequence_length": 3,
                       "pad_to_max_tokens": False, "sparse": False, "ragged": False, "vocabulary": None,
                       "idf_weights": None, "encoding": "utf-8", "vocabulary_size": 4}.items():
        assert config[key] == value, key
    clone = layers.TextVectorization.from_config(config)
    clone.set_vocabulary(layer.get_vocabulary())
    assert clone(["z y w"]).tolist() == layer(["z y w"]).tolist() == [[3, 2, 1]]


def test_errors():
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="last dimension of 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]], dtype=object))
