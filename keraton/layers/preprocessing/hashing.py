"""``Hashing``: hash strings or integers into a fixed number of bins."""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.encoding import encode_categorical
from keraton.layers.preprocessing.hash_functions import fingerprint64, siphash24


class Hashing(Layer):
    """Hash each value into ``[0, num_bins)``, as ``keras.layers.Hashing``.

    The bin numbers equal Keras's: values are turned into their string form
    (floats are truncated to integers first), hashed with FarmHash
    ``Fingerprint64`` (or, with ``salt``, SipHash-2-4 keyed by the salt, as
    TensorFlow's strong hash) and taken modulo the number of bins.  With
    ``mask_value`` bin 0 is reserved for it and the others hash into
    ``[1, num_bins)``.  Inputs are lists, NumPy arrays (str, bytes or
    integers) or integer tensors, hashed eagerly on the host (string inputs
    mean this layer runs before the model, as Keras's in a ``tf.data``
    pipeline).

    Args:
        num_bins: number of hash bins (mask bin included).
        mask_value: value mapped to bin 0 (or ``None``).
        salt: an int or a pair of ints: use the keyed (SipHash) hash.
        output_mode: ``'int'`` (int64 bins), ``'one_hot'``, ``'multi_hot'`` or ``'count'``.
        sparse: only ``False`` is supported.

    Example:
        >>> keraton.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"]])
        tensor([[1], [0], [1]])
    """

    _accepts_strings = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Layer '{self.name}': `num_bins` must be a positive integer. "
                             f"Received: num_bins={num_bins}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Layer '{self.name}': `output_mode` must be one of 'int', 'one_hot', "
                             f"'multi_hot', 'count'. Received: output_mode={output_mode!r}")
        if output_mode == "int" and self._dtype not in (torch.int32, torch.int64):
            raise ValueError(f"Layer '{self.name}': with output_mode='int', `dtype` must be 'int32' or "
                             f"'int64'. Received: dtype={kwargs['dtype']!r}")
        if sparse:
            raise ValueError(f"Layer '{self.name}': `sparse=True` is not supported by keraton (torch).")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"Layer '{self.name}': `salt` must be an int or a pair of ints. "
                                 f"Received: salt={salt!r}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def _hash(self, value) -> int:
        if isinstance(value, bytes):
            data = value
        elif isinstance(value, str):
            data = value.encode("utf-8")
        else:  # integers, and floats truncated to integers (Keras casts them to int64)
            data = str(int(value)).encode()
        return siphash24(self.salt, data) if self.salt is not None else fingerprint64(data)

    def _bins(self, array: np.ndarray) -> np.ndarray:
        bins = self.num_bins
        masked = self.mask_value is not None and bins > 1
        if masked:
            bins -= 1
        out = np.empty(array.shape, dtype="int64")
        flat = out.reshape(-1)
        for k, value in enumerate(array.reshape(-1).tolist()):
            if masked and value == self.mask_value:
                flat[k] = 0
            else:
                flat[k] = self._hash(value) % bins + int(masked)
        return out

    def call(self, inputs):
        """Bin numbers of ``inputs``, encoded per ``output_mode``."""
        if isinstance(inputs, torch.Tensor):
            inputs = inputs.detach().cpu().numpy()
        array = np.asarray(inputs)
        if self.output_mode == "one_hot" and array.ndim and array.shape[-1] == 1:
            array = array[..., 0]
        indices = torch.as_tensor(self._bins(array))
        if self.output_mode == "int":
            return indices.to(self._dtype)
        return encode_categorical(indices, self.output_mode, self.num_bins, self._dtype)

    def compute_output_shape(self, input_shape):
        """The input shape (``'int'``), else the last axis replaced by ``num_bins``."""
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        return input_shape[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """The symbolic output: ``compute_output_shape`` with this layer's output dtype (int64 for 'int', else float32)."""
        return KerasTensor(tuple(self.compute_output_shape(inputs.shape)), dtype=self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``num_bins``, ``salt``, ``mask_value``, ``output_mode``, ``sparse``."""
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config
