"""``IntegerLookup``: map integer tokens to contiguous indices through a vocabulary."""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map integer tokens to indices (or back with ``invert=True``), as ``keras.layers.IntegerLookup``.

    Takes torch tensors, NumPy arrays or lists of integers and looks them up
    eagerly on the host.  Index layout as Keras:
    ``[mask_token] + [oov_token] * num_oov_indices + vocabulary`` (the mask
    slot only in ``'int'`` mode).  An OOV token ``v`` goes to OOV bucket
    ``v mod num_oov_indices`` (Keras's ``oov_method='floormod'``).
    ``'int'`` output (and ``invert=True`` output) is an int64 tensor.

    Args:
        max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
        vocabulary_dtype, idf_weights, invert, output_mode, sparse,
        pad_to_max_tokens, oov_method, salt: as ``keras.layers.IntegerLookup``.

    Example:
        >>> layer = keraton.layers.IntegerLookup(vocabulary=[12, 36, 1138])
        >>> layer(torch.tensor([[12, 1138], [42, 36]]))
        tensor([[1, 3], [0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"IntegerLookup: `oov_method` must be 'floormod' or 'farmhash'. "
                             f"Received: oov_method={oov_method!r}")
        if oov_method == "farmhash" and num_oov_indices > 1:
            raise ValueError("IntegerLookup: oov_method='farmhash' (TensorFlow's hash) is not "
                             "available in keraton; use oov_method='floormod'.")
        self.oov_method = oov_method
        self.salt = salt
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         name=name, **kwargs)

    def _convert_token(self, token):
        if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
            if isinstance(token, (float, np.floating)) and float(token).is_integer():
                return int(token)
            raise TypeError(f"Layer '{self.name}': expected integer tokens, received {token!r} "
                            f"of type {type(token).__name__}.")
        return int(token)

    def _oov_bucket(self, token) -> int:
        return int(token) % self.num_oov_indices

    def _invert_output(self, tokens: np.ndarray):
        return torch.as_tensor(tokens.astype("int64"))

    def get_config(self) -> dict:
        """Keras's IntegerLookup config."""
        config = super().get_config()
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        config.update({"oov_method": self.oov_method, "salt": self.salt})
        return config
