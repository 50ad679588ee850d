"""Data adapters: one per kind of data source, behind one small interface (``DataAdapter``).

``get_data_adapter`` picks the adapter for what the user passed.  This core
release handles in-memory data (NumPy arrays, torch tensors, Python lists,
and lists/dicts of them); DataLoaders, generators and PyDataset plug in here.
"""

from __future__ import annotations

from keraton.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from keraton.trainers.data_adapters.data_adapter import DataAdapter
from keraton.trainers.data_adapters.data_adapter_utils import (
    is_array_like,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from keraton.utils import tree

__all__ = [
    "ArrayDataAdapter",
    "DataAdapter",
    "get_data_adapter",
    "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight",
]


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False, device=None):
    """Return the adapter for ``x`` (already-converted tensors, see ``Trainer._prepare_arrays``)."""
    if isinstance(x, DataAdapter):
        return x
    leaves = [t for t in tree.flatten((x, y, sample_weight)) if t is not None]
    if leaves and all(is_array_like(t) for t in leaves):
        return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                                device=device)
    kinds = sorted({type(t).__name__ for t in leaves if not is_array_like(t)})
    raise TypeError(
        f"Unrecognized data type for x/y: {kinds}. keraton's fit/evaluate/predict accept NumPy "
        "arrays, torch tensors, Python lists of numbers, and lists or dicts of those."
    )
