"""``TextVectorization``: turn raw strings into token indices or bag-of-words vectors."""

from __future__ import annotations

import re

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.string_lookup import StringLookup

# TensorFlow's regex in Keras's 'strip_punctuation' (ASCII punctuation).
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _ngrams(tokens: list, widths: tuple) -> list:
    """All n-grams of each width in ``widths``, width by width, joined by spaces (``tf.strings.ngrams``)."""
    out = []
    for n in widths:
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class TextVectorization(Layer):
    """Standardize, split, n-gram and index strings, as ``keras.layers.TextVectorization``.

    Inputs are Python lists or NumPy arrays of strings, shape ``(batch,)`` or
    ``(batch, 1)``; torch has no string tensors, so the layer runs eagerly on
    host data, before the model (in Keras it usually lives in a ``tf.data``
    pipeline).  As the first layer of a model (or after
    ``keraton.Input(shape=(1,), dtype="string")``) it works in eager calls and
    in ``fit``/``evaluate``/``predict``, which keep string arrays as NumPy
    arrays and batch them alongside the numeric data.

    The vocabulary is a ``StringLookup`` with mask token ``""`` (index 0,
    also the padding of ``'int'`` output) and OOV ``"[UNK]"`` (index 1).
    ``adapt`` counts tokens after standardization, splitting and n-grams and
    keeps the most frequent (Keras's order: count, then token, descending).

    Args:
        max_tokens: vocabulary size limit (special tokens included).
        standardize: ``'lower_and_strip_punctuation'``, ``'lower'``,
            ``'strip_punctuation'``, ``None`` or a callable on a str.
        split: ``'whitespace'``, ``'character'``, ``None`` or a callable str -> list of str.
        ngrams: ``None``, an int ``n`` (1..n-grams) or a tuple of widths.
        output_mode: ``'int'`` (int64 indices), ``'multi_hot'``, ``'count'`` or ``'tf_idf'``.
        output_sequence_length: pad or cut ``'int'`` output to this length.
        pad_to_max_tokens: non-int outputs have width ``max_tokens``.
        vocabulary, idf_weights: a fixed vocabulary (list or file path) and its idf weights.

    Note: Keras's ``standardize``/``split`` callables take and return ``tf``
    string tensors; here they take a Python ``str`` (and ``split`` returns a list).

    Example:
        >>> layer = keraton.layers.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "the dog"])
        >>> layer(["the cat ran"])
        tensor([[2, 5, 1, 0]])
    """

    _accepts_strings = True

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 name=None, **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(name=name, **kwargs)
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(f"Layer '{self.name}': `standardize` must be one of {_STANDARDIZE}, None or "
                             f"a callable. Received: standardize={standardize!r}")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(f"Layer '{self.name}': `split` must be one of {_SPLIT}, None or a callable. "
                             f"Received: split={split!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"Layer '{self.name}': `output_mode` must be one of 'int', 'one_hot', "
                             f"'multi_hot', 'count', 'tf_idf'. Received: output_mode={output_mode!r}")
        if not (ngrams is None or isinstance(ngrams, int)
                or isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"Layer '{self.name}': `ngrams` must be None, an integer or a tuple of "
                             f"integers. Received: ngrams={ngrams!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"Layer '{self.name}': `output_sequence_length` is only used with "
                             f"output_mode='int'. Received output_mode={output_mode!r}.")
        if sparse or ragged:
            raise ValueError(f"Layer '{self.name}': `sparse=True` and `ragged=True` are not supported "
                             "by keraton (torch has no ragged tensors).")
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._ngram_widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.ragged = ragged
        self.encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")
        self.built = True

    # -- text processing ------------------------------------------------------------------------
    def _standardize(self, text: str) -> str:
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        if callable(self.standardize):
            text = self.standardize(text)
        return text

    def _tokens(self, text: str) -> list:
        text = self._standardize(text)
        if self.split == "whitespace":
            tokens = text.split()
        elif self.split == "character":
            tokens = list(text)
        elif callable(self.split):
            tokens = list(self.split(text))
        else:
            tokens = [text]
        return _ngrams(tokens, self._ngram_widths) if self._ngram_widths else tokens

    def _documents(self, inputs) -> list:
        """Token lists, one per input string (``(batch,)`` or ``(batch, 1)`` input)."""
        if isinstance(inputs, str):
            inputs = [inputs]
        array = np.asarray(inputs, dtype=object)
        if array.ndim == 2 and self.split is not None:
            if array.shape[-1] != 1:
                raise ValueError(self._rank_error(array.shape))
            array = array[:, 0]
        elif array.ndim > 2 and self.split is not None:
            raise ValueError(self._rank_error(array.shape))
        if array.ndim == 0:
            array = array.reshape(1)
        convert = self._lookup_layer._convert_token
        return [self._tokens(convert(text)) for text in array.reshape(-1).tolist()]

    def _rank_error(self, shape) -> str:
        return (f"Layer '{self.name}': to split strings the input must have rank 1 or a last "
                f"dimension of 1. Received: inputs.shape={tuple(shape)}")

    # -- vocabulary -----------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary from a list/array of strings, or an iterable of such batches."""
        if isinstance(data, (str, list, tuple, np.ndarray)):
            batches = [data]
        else:
            batches = data

        def documents():
            for i, batch in enumerate(batches):
                if steps is not None and i >= steps:
                    break
                if isinstance(batch, tuple):
                    batch = batch[0]
                yield from self._documents(batch)

        self._lookup_layer._adapt_documents(documents())

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and idf weights for ``'tf_idf'``)."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in index order (``""`` and ``"[UNK]"`` first in ``'int'`` mode)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """Number of indices, special tokens included."""
        return self._lookup_layer.vocabulary_size()

    # -- call -----------------------------------------------------------------------------------
    def call(self, inputs):
        """Vectorize a batch of strings."""
        lookup = self._lookup_layer
        rows = [lookup._lookup_indices(np.asarray(tokens, dtype=object)).tolist() if tokens else []
                for tokens in self._documents(inputs)]
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(r) for r in rows), default=0)
            out = torch.zeros((len(rows), length), dtype=torch.int64)
            for i, row in enumerate(rows):
                row = row[:length]
                out[i, :len(row)] = torch.as_tensor(row, dtype=torch.int64)
            return out
        width = max((len(r) for r in rows), default=0)
        padded = torch.full((len(rows), max(width, 1)), -1, dtype=torch.int64)
        for i, row in enumerate(rows):
            padded[i, :len(row)] = torch.as_tensor(row, dtype=torch.int64)
        return lookup._encode_indices(padded)

    def compute_output_shape(self, input_shape):
        """``(batch, output_sequence_length)`` for ``'int'``, else ``(batch, vocabulary width)``."""
        input_shape = tuple(input_shape)
        if self.split is not None and (len(input_shape) > 2 or len(input_shape) == 2
                                       and input_shape[-1] not in (1, None)):
            raise ValueError(self._rank_error(input_shape))
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        lookup = self._lookup_layer
        # As Keras: the recorded size, so a layer rebuilt from config has its width before its assets.
        depth = lookup.max_tokens if lookup.pad_to_max_tokens and lookup.max_tokens else \
            lookup._frozen_vocab_size
        return (input_shape[0], depth)

    # -- saving: the vocabulary and idf weights live in the lookup layer, as in Keras ------------
    def save_own_variables(self, store) -> None:
        """The lookup layer's variables (idf weights for ``'tf_idf'``), as Keras."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        """Read what :meth:`save_own_variables` wrote."""
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path) -> None:
        """The adapted vocabulary as ``vocabulary.txt`` (Keras's asset)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path) -> None:
        """Read the vocabulary that :meth:`save_assets` wrote."""
        self._lookup_layer.load_assets(dir_path)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Symbolic output: int64 indices for ``'int'``, float32 vectors otherwise (as Keras)."""
        dtype = "int64" if self.output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def get_config(self) -> dict:
        """Keras 3's TextVectorization config keys (callables are not serialized)."""
        config = super().get_config()
        lookup = self._lookup_layer
        lookup_config = lookup.get_config()
        config.update({
            "max_tokens": lookup.max_tokens, "standardize": self.standardize, "split": self.split,
            "ngrams": self.ngrams, "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False, "ragged": self.ragged,
            "vocabulary": lookup_config["vocabulary"], "idf_weights": lookup_config["idf_weights"],
            "encoding": self.encoding,
            # The recorded size (Keras: the current one); they differ only in a layer rebuilt from
            # config whose vocabulary asset is not loaded yet, where this keeps the config stable.
            "vocabulary_size": self.vocabulary_size() if lookup._frozen_vocab_size is None
            else lookup._frozen_vocab_size,
        })
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from ``get_config()`` (a list ``ngrams`` becomes a tuple, as Keras)."""
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
