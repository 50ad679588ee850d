"""Keras 2's text preprocessing: ``Tokenizer``, ``text_to_word_sequence``, ``one_hot``, ``hashing_trick``.

Kept for Keras 2 programs (``keras.preprocessing.text``); Keras 3 code uses
the ``TextVectorization`` layer instead.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict, defaultdict

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words, as Keras 2's ``text_to_word_sequence``.

    Lower-cases (if ``lower``), turns every character of ``filters`` into
    ``split``, splits on ``split`` and drops empty words.

    Example:

    >>> text_to_word_sequence("Hello, World!  hi")
    ['hello', 'world', 'hi']
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Map each word of ``text`` to ``hash(word) % (n - 1) + 1``, as Keras 2's ``hashing_trick``.

    ``hash_function`` is ``None`` (Python's ``hash``, which varies between
    runs unless ``PYTHONHASHSEED`` is set), ``"md5"`` (stable) or a callable.
    Index 0 is never produced (it is reserved for padding).

    Example:

    >>> hashing_trick("the cat the", 10, hash_function="md5")[0] == hashing_trick("the", 10, "md5")[0]
    True
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(hashlib.md5(w.encode()).hexdigest(), 16)
    seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split) if analyzer is None \
        else analyzer(text)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Hash each word to an index in ``[1, n)``: ``hashing_trick`` with Python's ``hash``, as Keras 2.

    Example:

    >>> len(one_hot("a b c", 5))
    3
    """
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Turn texts into sequences of word indices or into count/tf-idf matrices (Keras 2 API).

    Matches ``keras.preprocessing.text.Tokenizer``: ``fit_on_texts`` counts
    words and indexes them by decreasing frequency (ties in first-seen
    order) from 1, the ``oov_token`` (if any) taking index 1; only indices
    below ``num_words`` are used when converting.

    Args:
        num_words: keep only the ``num_words - 1`` most frequent words.
        filters: characters removed from the texts.
        lower: lower-case the texts.
        split: word separator.
        char_level: treat every character as a token.
        oov_token: token standing for out-of-vocabulary words.
        analyzer: optional callable ``text -> list of tokens`` replacing the split.
        document_count: initial number of documents seen.

    Example:

    >>> t = Tokenizer(num_words=3, oov_token="<unk>")
    >>> t.fit_on_texts(["the cat", "the dog"])
    >>> t.texts_to_sequences(["the bird"])
    [[2, 1]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer: unrecognized keyword arguments: {sorted(kwargs)}")
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    def fit_on_texts(self, texts):
        """Update the vocabulary from a list of texts (strings, or lists of tokens)."""
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        # sorted() is stable, so equally frequent words keep first-seen order.
        wcounts = sorted(self.word_counts.items(), key=lambda x: x[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in wcounts]
        self.word_index = dict(zip(vocab, range(1, len(vocab) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Update the document frequencies (for ``tfidf``) from sequences of indices."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Convert each text to a list of word indices (unknown words -> ``oov_token`` or dropped)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yield ``texts_to_sequences``'s lists one text at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if self.num_words and i >= self.num_words:
                        if oov_index is not None:
                            vect.append(oov_index)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov_index)
            yield vect

    def sequences_to_texts(self, sequences):
        """Convert lists of word indices back to space-joined texts."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yield ``sequences_to_texts``'s strings one sequence at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if self.num_words and num >= self.num_words:
                        if oov_index is not None:
                            vect.append(self.index_word[oov_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov_index])
            yield " ".join(vect)

    def texts_to_matrix(self, texts, mode="binary"):
        """Return a ``(len(texts), num_words)`` matrix: ``mode`` binary, count, tfidf or freq."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Return a ``(len(sequences), num_words)`` float64 matrix as Keras 2 computes it.

        ``tfidf`` is ``(1 + log(count)) * log(1 + documents / (1 + document_frequency))``.
        """
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Tokenizer: unknown vectorization mode {mode!r}; expected one of "
                             "'binary', 'count', 'tfidf', 'freq'.")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer: specify a dimension (`num_words` argument), or fit on some "
                             "text data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i][j] = c
                elif mode == "freq":
                    x[i][j] = c / len(seq)
                elif mode == "binary":
                    x[i][j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i][j] = (1 + np.log(c)) * idf
        return x

    def get_config(self):
        """Return the tokenizer's settings and vocabulary, the counts as JSON strings, as Keras 2."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """Return a JSON string that ``tokenizer_from_json`` turns back into this tokenizer."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """Rebuild a ``Tokenizer`` from ``Tokenizer.to_json()``'s string, as Keras 2.

    Example:

    >>> t = Tokenizer(); t.fit_on_texts(["a b b"])
    >>> tokenizer_from_json(t.to_json()).word_index
    {'b': 1, 'a': 2}
    """
    config = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
