"""``HashedCrossing``: cross categorical features with the hashing trick."""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.encoding import encode_categorical
from keraton.layers.preprocessing.hash_functions import fingerprint64

# TensorFlow's ``tf.sparse.cross_hashed`` seeds the combined hash with this key.
_DEFAULT_HASH_KEY = 0xDECAFCAFFE
_MUL = np.uint64(0xC6A4A7935BD1E995)
_SHIFT = np.uint64(47)


def _shift_mix(values: np.ndarray) -> np.ndarray:
    return values ^ (values >> _SHIFT)


def fingerprint_cat64(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """TensorFlow's ``FingerprintCat64`` on arrays of uint64 (arithmetic wraps modulo 2**64)."""
    with np.errstate(over="ignore"):  # 0-d arrays are NumPy scalars, which warn on wrap-around
        result = first ^ _MUL
        result = result ^ (_shift_mix(second * _MUL) * _MUL)
        result = result * _MUL
        result = _shift_mix(result) * _MUL
        return _shift_mix(result)


def _feature_hashes(array: np.ndarray) -> np.ndarray:
    """Per-value uint64 hash as TensorFlow's sparse cross: Fingerprint64 of a string, an integer as itself."""
    if array.dtype.kind in "iu":
        return array.astype(np.int64).view(np.uint64)
    values, inverse = np.unique(array.reshape(-1), return_inverse=True)
    hashes = np.array([fingerprint64(v if isinstance(v, bytes) else str(v).encode("utf-8")) for v in values],
                      dtype=np.uint64)
    return hashes[inverse].reshape(array.shape)


class HashedCrossing(Layer):
    """Cross categorical features by hashing them together, as ``keras.layers.HashedCrossing``.

    Each sample's features (integers or strings, one scalar per input) are combined as
    TensorFlow's ``tf.sparse.cross_hashed`` does, so the bins equal Keras's: a string hashes to
    its FarmHash ``Fingerprint64``, an integer to its own value, and the hashes are chained with
    ``FingerprintCat64`` from the key ``0xDECAFCAFFE``, modulo ``num_bins``. Inputs have shape
    ``()``, ``(batch,)`` or ``(batch, 1)``, all equal; they are hashed eagerly on the host
    (string features mean the layer runs before the model, as Keras's in a ``tf.data``
    pipeline).

    Args:
        num_bins: number of hash bins.
        output_mode: ``'int'`` (bin numbers, int64 by default) or ``'one_hot'`` (float32 by default).
        sparse: only ``False`` is supported (Keras allows ``True`` only with TensorFlow).
        name, dtype: as for any layer.

    Example:
        >>> layer = keraton.layers.HashedCrossing(num_bins=5)
        >>> layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
        tensor([1, 4, 1, 1, 3])
    """

    _accepts_strings = True

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(f"Layer '{self.name}': `sparse=True` can only be used with the TensorFlow backend; "
                             "keraton (torch) supports sparse=False only.")
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"Layer '{self.name}': `output_mode` must be one of 'int', 'one_hot'. "
                             f"Received: output_mode={output_mode!r}")
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError(f"Layer '{self.name}': `num_bins` must be a positive integer. "
                             f"Received: num_bins={num_bins!r}.")
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    # ------------------------------------------------------------------ checks
    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"Layer '{self.name}': `HashedCrossing` should be called on a list or tuple of "
                             f"inputs. Received: inputs={inputs!r}")
        if len(inputs) < 2:
            raise ValueError(f"Layer '{self.name}': `HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={inputs!r}")

    def _check_shapes(self, shapes):
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"Layer '{self.name}': All `HashedCrossing` inputs should have shape `()`, "
                             f"`(batch_size)` or `(batch_size, 1)`. Received shapes: {[tuple(s) for s in shapes]}")
        if not all(tuple(s) == first for s in shapes[1:]):
            raise ValueError(f"Layer '{self.name}': All `HashedCrossing` inputs should have equal shape. "
                             f"Received shapes: {[tuple(s) for s in shapes]}")

    def _check_kinds(self, dtypes):
        if not all(dtype == "string" or np.dtype(dtype).kind in "iuUSO" for dtype in dtypes):
            raise ValueError(f"Layer '{self.name}': All `HashedCrossing` inputs should have an integer or string "
                             f"dtype. Received dtypes: {[str(d) for d in dtypes]}; cast floats to integers or strings first.")

    # ------------------------------------------------------------------ computation
    @staticmethod
    def _to_numpy(x) -> np.ndarray:
        if isinstance(x, torch.Tensor):
            return x.detach().cpu().numpy()
        return np.asarray(x)

    def call(self, inputs):
        """The crossed bin of each sample, encoded per ``output_mode``."""
        self._check_inputs(inputs)
        arrays = [self._to_numpy(x) for x in inputs]
        self._check_shapes([a.shape for a in arrays])
        self._check_kinds([a.dtype for a in arrays])
        crossed = np.full(arrays[0].shape, _DEFAULT_HASH_KEY, dtype=np.uint64)
        for array in arrays:
            crossed = fingerprint_cat64(crossed, _feature_hashes(array))
        bins = torch.as_tensor((crossed % np.uint64(self.num_bins)).astype(np.int64))
        if self.output_mode == "int":
            return bins.to(self._dtype)
        return encode_categorical(bins, "one_hot", self.num_bins, self._dtype)

    def compute_output_shape(self, input_shape):
        """The inputs' shape (``'int'``), else with a trailing ``1`` replaced by (or ``num_bins`` appended)."""
        self._check_inputs(input_shape)
        self._check_shapes(input_shape)
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (self.num_bins,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """The symbolic output: checked inputs, ``compute_output_shape``, this layer's dtype."""
        self._check_inputs(inputs)
        self._check_kinds([str(x.dtype).replace("torch.", "") for x in inputs])
        return KerasTensor(self.compute_output_shape([tuple(x.shape) for x in inputs]), dtype=self._dtype)

    def get_config(self) -> dict:
        """Keras's keys (``num_bins``, ``output_mode``, ``sparse``, ``name``, ``dtype``) plus ``trainable``.

        Keras's own config skips the base layer's keys and writes ``dtype`` as a plain string;
        keraton keeps the base keys (as every keraton layer, the dtype as a policy), which both
        ``from_config`` accept.
        """
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse})
        return config
