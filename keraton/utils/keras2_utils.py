"""tf.keras 2 utilities that Keras 3 removed: ``to_ordinal`` and ``warmstart_embedding_matrix``.

Both follow tf.keras 2.15's ``keras.utils`` functions of the same names.
"""

from __future__ import annotations

import os

import numpy as np
import torch

__all__ = ["to_ordinal", "warmstart_embedding_matrix"]


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Encode integer classes as ordinal rows, as tf.keras 2's ``keras.utils.to_ordinal``.

    Class ``c`` becomes ``num_classes - 1`` values whose first ``c`` are 1, the
    rest 0.  ``num_classes`` defaults to ``max(y) + 1``; a trailing axis of size
    1 is dropped first.  Returns a NumPy array of shape
    ``y.shape + (num_classes - 1,)``.

    Example:
        >>> to_ordinal([0, 1, 2, 3], num_classes=4)
        array([[0., 0., 0.],
               [1., 0., 0.],
               [1., 1., 0.],
               [1., 1., 1.]], dtype=float32)
    """
    y = np.array(y, dtype="int64")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if not num_classes:
        if y.size == 0:
            raise ValueError("to_ordinal: `y` is empty; pass `num_classes` to size the output.")
        num_classes = int(y.max()) + 1
    ordinal = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return ordinal.reshape(tuple(shape) + (num_classes - 1,))


def _vocab_list(vocab, which):
    if isinstance(vocab, torch.Tensor):
        vocab = vocab.tolist()
    if isinstance(vocab, (np.ndarray, tuple, list)):
        vocab_list = list(vocab)
    elif isinstance(vocab, str):
        if not os.path.exists(vocab):
            raise ValueError(f"warmstart_embedding_matrix: vocabulary file {vocab} does not exist.")
        with open(vocab, encoding="utf-8") as f:
            vocab_list = f.read().splitlines()
    else:
        raise ValueError(
            f"warmstart_embedding_matrix: `{which}` is expected to be a NumPy array, list, 1D "
            f"tensor or a vocabulary text file. Instead type {type(vocab)} was received."
        )
    if not vocab_list:
        raise ValueError(
            f"warmstart_embedding_matrix: `{which}` is expected to hold at least one token. "
            "Received 0 instead."
        )
    return vocab_list


def warmstart_embedding_matrix(base_vocabulary, new_vocabulary, base_embeddings,
                               new_embeddings_initializer="uniform"):
    """Remap an embedding matrix to a new vocabulary, as tf.keras 2's function of this name.

    Rows of ``base_embeddings`` whose token is in ``new_vocabulary`` are copied
    to that token's new row; the other rows of the ``(len(new_vocabulary),
    dim)`` result come from ``new_embeddings_initializer`` (``'uniform'``:
    ``RandomUniform(-0.05, 0.05)``).  Vocabularies are lists, arrays, 1-D
    tensors or text files (one token a line).  Returns a torch tensor of
    ``base_embeddings``'s dtype.

    Example:
        >>> w = warmstart_embedding_matrix(["a", "b"], ["b", "c"], torch.eye(2), "zeros")
        >>> w
        tensor([[0., 1.],
                [0., 0.]])
    """
    from keraton import initializers

    base_vocabulary = _vocab_list(base_vocabulary, "base_vocabulary")
    new_vocabulary = _vocab_list(new_vocabulary, "new_vocabulary")
    base = torch.as_tensor(np.asarray(base_embeddings) if not isinstance(base_embeddings, torch.Tensor)
                           else base_embeddings)
    if base.dim() != 2 or base.shape[0] != len(base_vocabulary):
        raise ValueError(
            "warmstart_embedding_matrix: `base_embeddings` must have shape "
            f"(len(base_vocabulary), dim) = ({len(base_vocabulary)}, dim); received "
            f"{tuple(base.shape)}."
        )
    initializer = initializers.get(new_embeddings_initializer)
    new = torch.as_tensor(initializer(shape=(len(new_vocabulary), base.shape[1]), dtype=base.dtype))
    new = new.to(base.device).clone()
    positions = {token: i for i, token in enumerate(base_vocabulary)}
    pairs = [(i, positions[token]) for i, token in enumerate(new_vocabulary) if token in positions]
    if pairs:
        new_rows, base_rows = zip(*pairs, strict=True)
        new[list(new_rows)] = base[list(base_rows)]
    return new
