"""``StringLookup``: map strings to integer indices through a vocabulary."""

from __future__ import annotations

import hashlib

import numpy as np

from keraton.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Map strings to indices (or back with ``invert=True``), as ``keras.layers.StringLookup``.

    Inputs are Python lists or NumPy arrays of ``str`` (or ``bytes``, decoded
    with ``encoding``): torch has no string tensors, so this layer runs
    eagerly on host data before the model (in Keras it usually lives in a
    ``tf.data`` pipeline).  ``'int'`` output is an int64 torch tensor; the
    other modes give float32 tensors of width ``vocabulary_size()``
    (``max_tokens`` with ``pad_to_max_tokens``); ``invert=True`` gives a NumPy
    object array of strings.

    Index layout as Keras: ``[mask_token] + [oov_token] * num_oov_indices + vocabulary``
    (the mask slot only in ``'int'`` mode).  With ``num_oov_indices > 1``
    Keras hashes OOV strings with TensorFlow's farmhash fingerprint64; keraton
    uses a salted BLAKE2b hash, so *which* OOV bucket a string gets differs
    from Keras (the number of buckets and all in-vocabulary indices match).

    Args:
        max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
        idf_weights, invert, output_mode, pad_to_max_tokens, sparse, encoding,
        salt: as ``keras.layers.StringLookup``.

    Example:
        >>> layer = keraton.layers.StringLookup(vocabulary=["a", "b", "c"])
        >>> layer([["a", "c"], ["d", "b"]])
        tensor([[1, 3], [0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("oov_method", None)  # Keras's config carries it; strings always hash
        self.encoding = encoding
        self.salt = salt
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype="string", idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         name=name, **kwargs)

    def _convert_token(self, token):
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        if isinstance(token, (str, np.str_)):
            return str(token)
        raise TypeError(f"Layer '{self.name}': expected string tokens (str or bytes), "
                        f"received {token!r} of type {type(token).__name__}.")

    def _oov_bucket(self, token) -> int:
        if self.num_oov_indices <= 1:
            return 0
        key = str(self.salt or "").encode()[:16]
        digest = hashlib.blake2b(token.encode(self.encoding), digest_size=8, key=key).digest()
        return int.from_bytes(digest, "little") % self.num_oov_indices

    def get_config(self) -> dict:
        """Keras's config: IndexLookup's keys without ``vocabulary_dtype``, plus ``encoding``."""
        config = super().get_config()
        del config["vocabulary_dtype"]
        config.update({"oov_method": "farmhash", "salt": self.salt, "encoding": self.encoding})
        return config
