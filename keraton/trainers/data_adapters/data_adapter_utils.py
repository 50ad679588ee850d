"""Helpers shared by the data adapters: unpacking, tensor conversion, checks, splits, class weights."""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend
from keraton.utils import tree

_FINITE_CHUNK = 1 << 20  # elements checked at a time, to bound the temporary boolean mask


def unpack_x_y_sample_weight(data):
    """Split a batch ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` as Keras's helper of that name."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data should be a tuple (x,), (x, y) or (x, y, sample_weight); got a tuple of "
        f"{len(data)} elements."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Inverse of :func:`unpack_x_y_sample_weight`.

    As Keras: with no ``y`` a single ``x`` (tensor or dict) comes back bare,
    so ``train_step(self, data)`` of ``fit(x)`` gets the tensor itself; a
    list/tuple ``x`` is wrapped as ``(x,)`` to stay unambiguous.
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def is_array_like(x) -> bool:
    """True for what the array adapter takes: NumPy arrays, torch tensors, lists of numbers, scalars."""
    if isinstance(x, (np.ndarray, torch.Tensor)):
        return True
    if hasattr(x, "__array__") and not isinstance(x, (dict, str)):
        return True
    return False


def is_string_array(value) -> bool:
    """True for NumPy arrays of ``str``/``bytes`` (or object arrays of them) and lists of strings.

    Torch has no string tensor: such data stays a NumPy array through ``fit``
    (sliced per batch by the array adapter) for layers that take strings
    (``TextVectorization``, ``StringLookup``, ``Hashing``).
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return True
        if value.dtype == object and value.size:
            first = value.reshape(-1)[0]
            return isinstance(first, (str, bytes))
        return False
    if isinstance(value, (list, tuple)) and value:
        first = value[0]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes))
    return False


def to_array_or_tensor(value, name: str):
    """Strings become a NumPy array (kept on the host); everything else a tensor (:func:`to_tensor`)."""
    if is_string_array(value):
        array = np.asarray(value)
        if array.dtype == object and not all(isinstance(v, (str, bytes)) for v in array.reshape(-1)):
            raise TypeError(
                f"{name} mixes strings with other values; pass an array of strings only (or of "
                "numbers only)."
            )
        return array
    return to_tensor(value, name)


def to_tensor(value, name: str, float_dtype=None) -> torch.Tensor:
    """Convert one array-like to a torch tensor once: floats to floatx, ints kept, bools kept.

    NumPy data shares memory with the caller's array; torch tensors are used as given.

    Python lists of numbers become arrays first (Keras 2 accepted them; Keras 3 does not).
    """
    if isinstance(value, torch.Tensor):
        t = value.detach()
    else:
        try:
            arr = np.asarray(value)
        except Exception as e:  # ragged lists and the like
            raise ValueError(
                f"Could not convert {name} to an array: {e}. Pass a NumPy array, a torch tensor "
                "or a rectangular list of numbers."
            ) from None
        if arr.dtype == object or arr.dtype.kind in "USO":
            raise TypeError(
                f"{name} has dtype {arr.dtype}, which is not numeric. Convert it to numbers "
                "(for text, tokenize first)."
            )
        # Shared with the caller's array (no copy of a large or memory-mapped input): the
        # adapters hand each step fresh batch tensors, so a model updating its inputs in
        # place (`inputs -= K.mean(inputs, ...)`) still cannot write into the caller's arrays.
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_floating_point() or t.is_complex():
        target = float_dtype or backend.torch_dtype(backend.floatx())
        if t.dtype != target:
            t = t.to(target)
    return t


def check_finite(t: torch.Tensor, name: str) -> None:
    """Raise a ``ValueError`` if a float tensor holds NaN or inf.

    One sum decides in the common case: it is finite only if every element is
    (NaN and inf propagate through addition).  A non-finite sum (bad data, or a
    float32 overflow of huge values) pays for the element-wise search, in
    bounded-size chunks, to report where, or to find that all is well.
    """
    if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.numel() == 0:
        return  # string arrays (NumPy) and integer data cannot hold NaN
    flat = t.reshape(-1)
    accumulate = torch.float32 if t.element_size() < 4 else None  # float16 sums overflow at 65504
    if bool(torch.isfinite(sum(c.sum(dtype=accumulate) for c in flat.split(_FINITE_CHUNK)))):
        return
    per_sample = max(1, flat.numel() // max(1, t.shape[0] if t.dim() else 1))
    for start in range(0, flat.numel(), _FINITE_CHUNK):
        finite = torch.isfinite(flat[start:start + _FINITE_CHUNK])
        if not bool(finite.all()):
            index = start + int((~finite).nonzero()[0, 0])
            raise ValueError(
                f"{name} contains NaN or infinite values (first at sample {index // per_sample}). "
                "Remove or impute them before training: they would turn the loss and every "
                "weight into NaN."
            )


def num_samples(tensors, names) -> int:
    """The common first dimension of a flat list of tensors; a clear error if they differ."""
    sizes = {n: int(t.shape[0]) for t, n in zip(tensors, names) if len(t.shape) > 0}
    if not sizes:
        raise ValueError("The data has no batch dimension: pass arrays with one row per sample.")
    distinct = set(sizes.values())
    if len(distinct) > 1:
        detail = ", ".join(f"{n}: {s}" for n, s in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous: the arrays have different numbers of samples ({detail}). "
            "Make sure x, y and sample_weight all have the same number of samples."
        )
    return distinct.pop()


def train_validation_split(arrays, validation_split: float):
    """Split a nest of tensors into the first ``1 - validation_split`` and the last part, as Keras."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}.")
    flat = [t for t in tree.flatten(arrays) if t is not None]
    n = int(flat[0].shape[0])
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} on {n} samples leaves an empty training or "
            "validation set. Use more data or a different split."
        )

    def first(t):
        return None if t is None else t[:split_at]

    def last(t):
        return None if t is None else t[split_at:]

    return tree.map_structure(first, arrays), tree.map_structure(last, arrays)


def class_weight_to_sample_weights(y: torch.Tensor, class_weight: dict) -> torch.Tensor:
    """Per-sample weights from a ``{class_index: weight}`` dict, as Keras (one-hot y uses argmax)."""
    if y.dim() > 1 and y.shape[-1] > 1:
        classes = y.argmax(dim=-1)
    else:
        classes = y.reshape(y.shape[0], -1)[:, 0]
        if classes.is_floating_point():
            classes = classes.round()
        classes = classes.long()
    max_class = int(classes.max()) if classes.numel() else 0
    table = torch.ones(max(max_class + 1, max(class_weight) + 1 if class_weight else 1))
    for cls, w in class_weight.items():
        table[int(cls)] = float(w)
    return table[classes.long()].to(backend.torch_dtype(backend.floatx()))
