"""``ArrayDataAdapter``: NumPy arrays, torch tensors and Python lists, converted once per ``fit``.

All data becomes torch tensors when the adapter is made (string arrays stay
NumPy arrays, as torch has no string tensors, and are sliced alongside); each epoch then
draws batches by slicing (no shuffle) or by gathering along a fresh random
permutation (shuffle), so nothing is copied or converted per epoch beyond
the batches themselves.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.trainers.data_adapters import data_adapter_utils as utils
from keraton.trainers.data_adapters.data_adapter import SampleBatchedAdapter
from keraton.utils import tree


class ArrayDataAdapter(SampleBatchedAdapter):
    """Batches from in-memory arrays, as Keras 3's ``ArrayDataAdapter``.

    Args:
        x, y, sample_weight: tensors or nests of tensors (already converted);
            NumPy string arrays in ``x`` are batched with the same indices.
        batch_size: samples per batch (Keras's default 32).
        shuffle: ``True`` (new permutation each epoch), ``False``, or ``"batch"``
            (shuffle the order of whole batches).
        device: where batches are sent; data stays where it is.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False, device=None):
        self._structure = utils.pack_x_y_sample_weight(x, y, sample_weight)
        self._flat = [t for t in tree.flatten(self._structure) if t is not None]
        self._set_batching(x, y, self._flat, batch_size, shuffle)
        self._device = device
        self._simple = (isinstance(x, torch.Tensor) and (y is None or isinstance(y, torch.Tensor))
                        and (sample_weight is None or isinstance(sample_weight, torch.Tensor)))

    def _pack(self, flat_batch):
        if self._simple:
            return tuple(flat_batch) if isinstance(self._structure, tuple) else flat_batch[0]
        it = iter(flat_batch)
        return tree.map_structure(lambda t: None if t is None else next(it), self._structure)

    def get_torch_iterator(self):
        """Yield ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` batches for one epoch (as Keras packs them)."""
        n, bs = self._n, self._batch_size
        flat = self._flat
        device = self._device
        move = device is not None and any(
            isinstance(t, torch.Tensor) and t.device != torch.device(device) for t in flat)
        if self._shuffle is True:
            perm = torch.randperm(n)
            batches = (perm[i:i + bs] for i in range(0, n, bs))
            if any(isinstance(t, np.ndarray) for t in flat):
                yield from self._batches_with_strings(batches, move)
                return
        elif self._shuffle == "batch":
            order = torch.randperm(self.num_batches).tolist()
            batches = (slice(b * bs, min(n, (b + 1) * bs)) for b in order)
        else:
            batches = (slice(i, min(n, i + bs)) for i in range(0, n, bs))
        gather = self._shuffle is True
        for index in batches:
            # index_select copies rows in half the time of advanced indexing (t[index]).
            batch = [t.index_select(0, index) if gather else t[index] for t in flat]
            if move:
                batch = [t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t
                         for t in batch]
            elif not gather:
                # Slices are views of the stored data: as Keras hands each step fresh
                # tensors, a model updating its inputs in place must not change the
                # data seen by later epochs (validation data is evaluated every epoch).
                batch = [t.clone() if isinstance(t, torch.Tensor) else t for t in batch]
            yield self._pack(batch)

    def _batches_with_strings(self, batches, move):
        """Gathered batches when some arrays are NumPy strings (indexed with a NumPy copy of the indices)."""
        device = self._device
        for index in batches:
            np_index = index.numpy()
            batch = [t[np_index] if isinstance(t, np.ndarray) else t[index] for t in self._flat]
            if move:
                batch = [t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t
                         for t in batch]
            yield self._pack(batch)
