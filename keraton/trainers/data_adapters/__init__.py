"""Data adapters: one per kind of data source, behind one small interface (``DataAdapter``).

``get_data_adapter`` picks the adapter for what the user passed: in-memory
data (NumPy arrays, torch tensors, Python lists, and lists/dicts of them),
a torch ``DataLoader`` or ``Dataset``, a ``keraton.utils.PyDataset``, or a
Python generator / iterable of batches, or array-likes read batch by batch
(Keras 2's ``HDF5Matrix``, h5py datasets).
"""

from __future__ import annotations

import torch

from keraton.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from keraton.trainers.data_adapters.array_like_data_adapter import (
    ArrayLikeDataAdapter,
    has_lazy_arrays,
)
from keraton.trainers.data_adapters.data_adapter import DataAdapter
from keraton.trainers.data_adapters.data_adapter_utils import (
    is_array_like,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from keraton.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from keraton.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from keraton.trainers.data_adapters.torch_data_loader_adapter import (
    TorchDataLoaderAdapter,
    make_data_loader,
)
from keraton.utils import tree
from keraton.utils.py_dataset import PyDataset

__all__ = [
    "ArrayDataAdapter",
    "ArrayLikeDataAdapter",
    "DataAdapter",
    "GeneratorDataAdapter",
    "PyDatasetAdapter",
    "TorchDataLoaderAdapter",
    "is_data_source",
    "get_data_adapter",
    "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight",
]


def is_data_source(x) -> bool:
    """True for the streaming sources: DataLoader, Dataset, PyDataset, generators and iterables of batches."""
    if isinstance(x, (DataAdapter, PyDataset, torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        return True
    if is_array_like(x) or isinstance(x, (list, tuple, dict, str, bytes)) or x is None:
        return False
    return hasattr(x, "__next__") or hasattr(x, "__iter__")


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False, device=None,
                     convert=None, max_queue_size=10):
    """Return the adapter for ``x``.

    In-memory data arrives already converted (``data_prep.prepare_data``);
    a streaming source gets ``convert``, which standardises each batch with
    the same rules as in-memory data and moves it to ``device``.
    """
    if isinstance(x, DataAdapter):
        return x
    if has_lazy_arrays(x, y, sample_weight):
        return ArrayLikeDataAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                                    convert=convert)
    if is_data_source(x):
        if y is not None or sample_weight is not None:
            raise ValueError(
                f"When x is a {type(x).__name__}, y and sample_weight must not be given: the "
                "source yields (x, y) or (x, y, sample_weight) batches itself."
            )
        if isinstance(x, PyDataset):
            return PyDatasetAdapter(x, convert, shuffle=shuffle is True)
        if isinstance(x, torch.utils.data.Dataset):
            x = make_data_loader(x, batch_size, shuffle)
        if isinstance(x, torch.utils.data.DataLoader):
            return TorchDataLoaderAdapter(x, convert)
        return GeneratorDataAdapter(x, convert, max_queue_size=max_queue_size)
    leaves = [t for t in tree.flatten((x, y, sample_weight)) if t is not None]
    if leaves and all(is_array_like(t) for t in leaves):
        return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                                device=device)
    kinds = sorted({type(t).__name__ for t in leaves if not is_array_like(t)})
    raise TypeError(
        f"Unrecognized data type for x/y: {kinds}. keraton's fit/evaluate/predict accept NumPy "
        "arrays, torch tensors, Python lists of numbers, and lists or dicts of those."
    )
