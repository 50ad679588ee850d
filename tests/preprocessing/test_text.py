"""Keras 2's text preprocessing against Keras 3's legacy copy (keras.src.legacy.preprocessing.text)."""

import numpy as np
import pytest

from keraton.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Dog, cat; and THE bird?",
         "A a a b"]
NEW = ["the unknown cat", "bird bird homework zebra", ""]


@pytest.fixture
def legacy():
    pytest.importorskip("keras")
    from keras.src.legacy.preprocessing import text
    return text


@pytest.mark.parametrize("kwargs", [
    {}, {"num_words": 5}, {"oov_token": "<oov>"}, {"num_words": 4, "oov_token": "<oov>"},
    {"lower": False}, {"char_level": True, "num_words": 8}, {"filters": "", "split": "a"},
])
def test_tokenizer_matches_keras(legacy, kwargs):
    ours, theirs = Tokenizer(**kwargs), legacy.Tokenizer(**kwargs)
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    assert ours.word_index == theirs.word_index and ours.index_word == theirs.index_word
    assert dict(ours.word_counts) == dict(theirs.word_counts)
    assert list(ours.word_counts) == list(theirs.word_counts)
    assert ours.document_count == theirs.document_count == 4
    seqs = ours.texts_to_sequences(TEXTS + NEW)
    assert seqs == theirs.texts_to_sequences(TEXTS + NEW)
    assert ours.sequences_to_texts(seqs) == theirs.sequences_to_texts(seqs)
    for mode in ("binary", "count", "tfidf", "freq"):
        np.testing.assert_allclose(ours.texts_to_matrix(TEXTS + NEW, mode=mode),
                                   theirs.texts_to_matrix(TEXTS + NEW, mode=mode), rtol=1e-12)
    assert ours.get_config() == theirs.get_config()
    assert ours.to_json() == theirs.to_json()


def test_hand_computed_index_and_tfidf():
    t = Tokenizer()
    t.fit_on_texts(["b a b", "a c"])
    assert t.word_index == {"b": 1, "a": 2, "c": 3}
    m = t.texts_to_matrix(["b b a"], mode="tfidf")
    np.testing.assert_allclose(m[0], [0, (1 + np.log(2)) * np.log(1 + 2 / 2), np.log(1 + 2 / 3), 0])
    assert t.texts_to_matrix(["b b a"], mode="freq")[0].tolist() == [0, 2 / 3, 1 / 3, 0]


def test_list_of_tokens_and_fit_on_sequences(legacy):
    ours, theirs = Tokenizer(), legacy.Tokenizer()
    for t in (ours, theirs):
        t.fit_on_texts([["Hello", "world"], ["hello"]])
        t.fit_on_sequences([[1, 1, 2], [2]])
    assert ours.word_index == theirs.word_index == {"hello": 1, "world": 2}
    np.testing.assert_allclose(ours.sequences_to_matrix([[1, 2, 2]], mode="tfidf"),
                               theirs.sequences_to_matrix([[1, 2, 2]], mode="tfidf"))


def test_json_round_trip(legacy):
    t = Tokenizer(num_words=6, oov_token="?")
    t.fit_on_texts(TEXTS)
    back = tokenizer_from_json(t.to_json())
    assert back.texts_to_sequences(NEW) == t.texts_to_sequences(NEW)
    assert back.index_docs == t.index_docs and back.word_docs == t.word_docs
    np.testing.assert_array_equal(back.texts_to_matrix(NEW, "tfidf"), t.texts_to_matrix(NEW, "tfidf"))
    theirs = legacy.tokenizer_from_json(t.to_json())
    assert theirs.texts_to_sequences(NEW) == t.texts_to_sequences(NEW)


def test_functions_match_keras(legacy):
    text = "Hello, World!  The world\tis big."
    assert text_to_word_sequence(text) == legacy.text_to_word_sequence(text) == \
        ["hello", "world", "the", "world", "is", "big"]
    assert text_to_word_sequence(text, lower=False, filters="") == \
        legacy.text_to_word_sequence(text, lower=False, filters="")
    assert hashing_trick(text, 17, "md5") == legacy.hashing_trick(text, 17, "md5")
    assert one_hot(text, 9) == legacy.one_hot(text, 9)
    assert all(1 <= i < 9 for i in one_hot(text, 9))


@pytest.mark.parametrize("call,error,match", [
    (lambda: Tokenizer().texts_to_matrix(["a"]), ValueError, "num_words"),
    (lambda: Tokenizer(num_words=3).texts_to_matrix(["a"], mode="tfidf"), ValueError, "tfidf"),
    (lambda: Tokenizer(num_words=3).texts_to_matrix(["a"], mode="sum"), ValueError, "mode"),
    (lambda: Tokenizer(bad=1), TypeError, "bad"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_keras2_nb_words_alias():
    t = Tokenizer(nb_words=2)
    t.fit_on_texts(["a a b"])
    assert t.num_words == 2 and t.texts_to_sequences(["a b"]) == [[1]]


def test_reachable_from_the_keras_namespace():
    import keraton as keras
    assert keras.preprocessing.text.Tokenizer is Tokenizer
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    assert keras.datasets.mnist.load_data.__module__ == "keraton.datasets.mnist"
    assert keras.preprocessing.image_dataset_from_directory is keras.utils.image_dataset_from_directory
