"""``IndexLookup``: the vocabulary machinery shared by ``StringLookup`` and ``IntegerLookup``.

Keras keeps the vocabulary in a TensorFlow hash table; keraton keeps a Python
dict and looks tokens up eagerly, on NumPy/list inputs (torch has no string
tensors).  In a model they take NumPy string arrays, which ``fit``/``predict``
batch without converting them.  An adapted vocabulary is saved as Keras's
``vocabulary.txt`` asset (``save_assets``/``load_assets``); tf-idf weights as
the variable ``idf_weights``.
"""

from __future__ import annotations

import collections
import math
import os

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.encoding import encode_categorical

LOOKUP_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _batches(data):
    """An array/tensor/list of tokens is one batch; any other iterable yields batches."""
    if isinstance(data, (np.ndarray, torch.Tensor, list, tuple)):
        return [data]
    return data


class IndexLookup(Layer):
    """Map tokens to integer indices through a vocabulary (base of the lookup layers).

    Index layout as Keras: in ``'int'`` mode the mask token (when set) is 0,
    then ``num_oov_indices`` OOV indices, then the vocabulary; in the other
    modes there is no mask slot and mask tokens are left out of the encoding.
    """

    _accepts_strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, name=None, **kwargs):
        # Keras's config records the adapted size, so a reloaded model builds before its assets load.
        frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(name=name, **kwargs)
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in LOOKUP_OUTPUT_MODES:
            raise ValueError(f"Layer '{self.name}': `output_mode` must be one of {LOOKUP_OUTPUT_MODES}. "
                             f"Received: output_mode={output_mode!r}")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"Layer '{self.name}': `max_tokens` must be > 1 (or None). "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"Layer '{self.name}': `num_oov_indices` must be >= 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if invert and output_mode != "int":
            raise ValueError(f"Layer '{self.name}': `invert=True` requires output_mode='int'. "
                             f"Received: output_mode={output_mode!r}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"Layer '{self.name}': `idf_weights` is only used with output_mode='tf_idf'.")
        if sparse:
            raise ValueError(f"Layer '{self.name}': `sparse=True` is not supported by keraton (torch).")
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._frozen_vocab_size = frozen_vocab_size
        self._tokens = []
        self._index = {}
        self.idf_weights = None
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- vocabulary ---------------------------------------------------------------------------
    def _convert_token(self, token):
        return token

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (without or with the mask/OOV tokens at its start, as Keras accepts)."""
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [self._convert_token(t) for t in np.asarray(vocabulary).reshape(-1).tolist()]
        # As Keras: the mask token leads the vocabulary only in 'int' mode (get_vocabulary's order).
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        if tokens[:len(special)] == special and special:
            tokens = tokens[len(special):]
        if len(set(tokens)) != len(tokens):
            repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
            raise ValueError(f"Layer '{self.name}': the vocabulary must not hold repeated tokens. "
                             f"Repeated: {repeated}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"Layer '{self.name}': found the mask token {self.mask_token!r} inside the "
                             f"vocabulary; put the special tokens only at its start, in this order: {special}.")
        if self.max_tokens is not None and len(tokens) + self._token_start_index() > self.max_tokens:
            raise ValueError(f"Layer '{self.name}': the vocabulary (with special tokens) has "
                             f"{len(tokens) + self._token_start_index()} entries, more than "
                             f"max_tokens={self.max_tokens}.")
        self._tokens = tokens
        start = self._token_start_index()
        self._index = {t: i + start for i, t in enumerate(tokens)}
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"Layer '{self.name}': output_mode='tf_idf' needs `idf_weights` with "
                                 "the vocabulary (or call `adapt`).")
            idf = np.asarray(idf_weights, dtype="float32").reshape(-1)
            if idf.size == len(tokens):
                idf = np.concatenate([np.full(start, idf.mean(), "float32"), idf])
            self.idf_weights = torch.as_tensor(idf)
        self._frozen_vocab_size = self.vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in index order (special tokens first unless ``include_special_tokens=False``)."""
        vocab = ([self.mask_token] if self._oov_start_index() else []) + \
            [self.oov_token] * self.num_oov_indices + list(self._tokens)
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def vocabulary_size(self) -> int:
        """Number of indices, special tokens included."""
        return len(self._tokens) + self._token_start_index()

    def adapt(self, data, steps=None) -> None:
        """Build the vocabulary from data: tokens by decreasing frequency (Keras's tie order), cut at ``max_tokens``.

        ``data`` is an array, tensor or list of tokens, or an iterable of such
        batches; each row of a batch is one document (for ``'tf_idf'``).
        """
        def rows():
            for i, batch in enumerate(_batches(data)):
                if steps is not None and i >= steps:
                    break
                array = self._to_array(batch)
                array = array.reshape(array.shape[0], -1) if array.ndim > 1 else array.reshape(1, -1)
                yield from (row.tolist() for row in array)

        self._adapt_documents(rows())

    def _adapt_documents(self, documents) -> None:
        """Set the vocabulary (and idf weights) from an iterable of token lists, one per document."""
        counts = collections.Counter()
        doc_counts = collections.Counter()
        num_documents = 0
        for tokens in documents:
            counts.update(tokens)
            num_documents += 1
            if self.output_mode == "tf_idf":
                doc_counts.update(set(tokens))
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        # Keras sorts by (count, token) descending.
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        idf = None
        if self.output_mode == "tf_idf":
            idf = [math.log(1 + num_documents / (1 + doc_counts[t])) for t in tokens]
        self.set_vocabulary(tokens, idf)

    # -- lookup -------------------------------------------------------------------------------
    def _to_array(self, inputs) -> np.ndarray:
        if isinstance(inputs, torch.Tensor):
            inputs = inputs.detach().cpu().numpy()
        array = np.asarray(inputs)
        return np.vectorize(self._convert_token, otypes=[object])(array) if array.size else array

    def _oov_index(self, token) -> int:
        if self.num_oov_indices == 0:
            raise ValueError(f"Layer '{self.name}': with num_oov_indices=0 every input must be in the "
                             f"vocabulary; found {token!r}. Set num_oov_indices=1.")
        return self._oov_start_index() + self._oov_bucket(token)

    def _oov_bucket(self, token) -> int:
        return 0

    def _lookup_indices(self, array: np.ndarray) -> np.ndarray:
        mask_value = 0 if self.output_mode == "int" else -1
        out = np.empty(array.shape, dtype="int64")
        flat_in, flat_out = array.reshape(-1), out.reshape(-1)
        for k, token in enumerate(flat_in.tolist()):
            if self.mask_token is not None and token == self.mask_token:
                flat_out[k] = mask_value
            else:
                index = self._index.get(token)
                flat_out[k] = index if index is not None else self._oov_index(token)
        return out

    def _invert(self, indices: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        out = np.empty(indices.shape, dtype=object)
        flat_out = out.reshape(-1)
        for k, i in enumerate(indices.reshape(-1).tolist()):
            flat_out[k] = vocab[i] if 0 <= i < len(vocab) else self.oov_token
        return out

    def call(self, inputs):
        """Look tokens up (``invert``: indices up) and encode per ``output_mode``."""
        if self.invert:
            indices = np.asarray(inputs.detach().cpu() if isinstance(inputs, torch.Tensor) else inputs)
            return self._invert_output(self._invert(indices.astype("int64")))
        array = self._to_array(inputs)
        if array.ndim == 0:
            array = array.reshape(1)
        indices = torch.as_tensor(self._lookup_indices(array))
        if self.output_mode == "int":
            return indices
        return self._encode_indices(indices)

    def _encode_indices(self, indices: torch.Tensor) -> torch.Tensor:
        """One-hot/multi-hot/count/tf-idf encoding of looked-up indices (-1, a mask token, is left out)."""
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"Layer '{self.name}': output_mode={self.output_mode!r} needs a vocabulary: "
                               "pass `vocabulary` or call `adapt` first.")
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        # Mask tokens (index -1) go to an extra slot that is cut off.
        encoded = encode_categorical(indices + 1, mode, depth + 1, torch.float32)[..., 1:]
        if self.output_mode == "tf_idf":
            idf = torch.zeros(depth)
            idf[:self.idf_weights.numel()] = self.idf_weights
            encoded = encoded * idf
        return encoded

    def _invert_output(self, tokens: np.ndarray):
        return tokens

    def compute_output_shape(self, input_shape):
        """Keras's rule: the input shape for ``'int'``; ``'one_hot'`` appends the depth (replacing
        a last axis of 1); the other modes replace the last axis by the depth."""
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Symbolic output: int64 for ``'int'``, float32 otherwise, strings for ``invert=True``."""
        if self.invert:
            dtype = "int64" if self.vocabulary_dtype == "int64" else "string"
        else:
            dtype = "int64" if self.output_mode == "int" else "float32"
        spec = KerasTensor(self.compute_output_shape(inputs.shape),
                           dtype=None if dtype == "string" else dtype)
        if dtype == "string":
            spec.dtype = "string"  # torch has no string dtype; marks NumPy str data
        return spec

    # -- saving (Keras 3's .keras layout) -----------------------------------------------------
    def save_own_variables(self, store) -> None:
        """``'tf_idf'``: the idf weights, as Keras's variable ``idf_weights``; nothing otherwise."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights.numpy()

    def load_own_variables(self, store) -> None:
        """Read the idf weights that :meth:`save_own_variables` wrote (the vocabulary comes after)."""
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = torch.as_tensor(np.asarray(store["idf_weights"], dtype="float32"))

    def save_assets(self, dir_path) -> None:
        """Write an adapted vocabulary (special tokens first) to ``dir_path/vocabulary.txt``, as Keras.

        A vocabulary passed to the constructor is in the config instead.
        """
        if self.input_vocabulary is not None:
            return
        vocabulary = self.get_vocabulary(include_special_tokens=True)
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(token) for token in vocabulary))

    def load_assets(self, dir_path) -> None:
        """Set the vocabulary from ``dir_path/vocabulary.txt`` (what :meth:`save_assets` wrote)."""
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            raise ValueError(f"Layer '{self.name}': the saved assets lack {path!r}; the file was not "
                             "written by a lookup layer's save_assets.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if self.vocabulary_dtype == "string":
            values = lines
        else:
            try:
                values = [int(line) for line in lines]
            except ValueError as e:
                raise ValueError(f"Layer '{self.name}': the saved vocabulary must hold one integer "
                                 f"per line: {e}") from None
        idf = self.idf_weights.numpy() if self.output_mode == "tf_idf" else None
        self.set_vocabulary(values, idf_weights=idf)

    def get_config(self) -> dict:
        """Keras 3's IndexLookup config keys."""
        config = super().get_config()
        vocab = self.input_vocabulary
        if isinstance(vocab, (np.ndarray, torch.Tensor)):
            vocab = np.asarray(vocab).tolist()
        idf = self.input_idf_weights
        if isinstance(idf, (np.ndarray, torch.Tensor)):
            idf = np.asarray(idf).tolist()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode, "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": idf, "vocabulary": vocab, "vocabulary_size": self._frozen_vocab_size,
        })
        return config
