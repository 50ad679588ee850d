"""Safe reading and writing of the HDF5 weight files Keras 3 uses (``model.weights.h5``).

Keras 3 stores each object's variables as datasets ``"0"``, ``"1"``, ... in a
group ``<path>/vars`` (``layers/dense/vars/0``); the group carries the
object's name as an attribute.  Reading is defensive, because a weight file
may come from anywhere: soft and external links, external or virtual
datasets, non-numeric dtypes and datasets that declare far more data than
the file stores ("shape bombs") are all refused with a ``ValueError``.
"""

from __future__ import annotations

import io
import math

import numpy as np

from keraton.saving.file_utils import require_h5py

# A dataset larger than this must store at least 1/_MAX_EXPANSION of its bytes.
H5_BOMB_FLOOR_BYTES = 64 << 20
H5_MAX_EXPANSION = 1000
_NUMERIC_KINDS = "fiub"


def open_h5(source, mode: str = "r"):
    """Open an HDF5 file from a path, bytes or a binary file object; bad files raise ``ValueError``."""
    h5py = require_h5py()
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        return h5py.File(source, mode)
    except (OSError, ValueError) as e:
        raise ValueError(f"Cannot open the HDF5 weights file: it is truncated or not HDF5 ({e}).") from e


def safe_group(parent, path: str):
    """The group at ``path`` under ``parent``, refusing links; ``None`` when absent."""
    h5py = require_h5py()
    current = parent
    for part in path.split("/"):
        if not part:
            continue
        if part not in current:
            return None
        link = current.get(part, getclass=True, getlink=True)
        if link in (h5py.SoftLink, h5py.ExternalLink):
            raise ValueError(f"Not allowed: the HDF5 weights file contains a {link.__name__} at '{path}'.")
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(f"Invalid HDF5 weights file: expected a group at '{path}', found a dataset.")
    return current


def safe_read(group, key: str, where: str) -> np.ndarray:
    """Read dataset ``key`` of ``group`` as a NumPy array after the safety checks."""
    h5py = require_h5py()
    link = group.get(key, getclass=True, getlink=True)
    if link is None:
        raise ValueError(f"The weights file has no variable '{key}' for {where}.")
    if link in (h5py.SoftLink, h5py.ExternalLink):
        raise ValueError(f"Not allowed: the HDF5 weights file links variable '{key}' of {where}.")
    ds = group[key]
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(f"Invalid HDF5 weights file: variable '{key}' of {where} is not a dataset.")
    if ds.external or ds.is_virtual:
        raise ValueError(f"Not allowed: variable '{key}' of {where} is an external or virtual dataset.")
    if ds.dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(
            f"Variable '{key}' of {where} has dtype {ds.dtype}; expected a numeric array."
        )
    declared = math.prod(ds.shape or ()) * ds.dtype.itemsize
    if declared > H5_BOMB_FLOOR_BYTES and declared > H5_MAX_EXPANSION * ds.id.get_storage_size():
        raise ValueError(
            f"Not allowed: variable '{key}' of {where} declares {declared} bytes but stores only "
            f"{ds.id.get_storage_size()}; refusing a potential decompression bomb."
        )
    try:
        return np.asarray(ds[()])
    except (OSError, RuntimeError, TypeError) as e:
        raise ValueError(f"Cannot read variable '{key}' of {where}: the file is corrupt ({e}).") from e


class VarsEntry:
    """The variables of one object: a mapping ``"0" -> array`` over a ``vars`` group (Keras's store).

    Objects read it with ``store[str(i)]``, ``len(store)`` and ``store.keys()``,
    as Keras's ``load_own_variables(store)``; writers assign ``store["0"] = array``.
    """

    def __init__(self, group, path: str, writable: bool = False):
        self._group = group
        self.path = path
        self._writable = writable

    def keys(self) -> list:
        """The variable names (``"0"``, ``"1"``, ...) in numeric order."""
        return [] if self._group is None else sorted(self._group.keys(), key=_numeric_key)

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, key) -> bool:
        return self._group is not None and str(key) in self._group

    def __getitem__(self, key) -> np.ndarray:
        if self._group is None:
            raise ValueError(f"The weights file has no variables at '{self.path}'.")
        return safe_read(self._group, str(key), f"'{self.path or '/'}'")

    def __setitem__(self, key, value) -> None:
        if not self._writable:
            raise ValueError("This weights store is read-only.")
        self._group[str(key)] = np.asarray(value)


class H5WeightsStore:
    """Keras 3's ``H5IOStore``: ``make(path)`` for writing, ``get(path)`` for reading ``<path>/vars``."""

    def __init__(self, h5_file, writable: bool = False):
        self.h5 = h5_file
        self.writable = writable

    def make(self, path: str, name: str | None = None) -> VarsEntry:
        """Create ``<path>/vars`` (with the object's ``name`` attribute, as Keras 3.15 writes)."""
        group = self.h5.require_group(f"{path}/vars" if path else "vars")
        if name is not None:
            group.attrs["name"] = name
        return VarsEntry(group, path, writable=True)

    def get(self, path: str) -> VarsEntry:
        """The variables stored at ``path`` (empty when the file has none there)."""
        return VarsEntry(safe_group(self.h5, f"{path}/vars" if path else "vars"), path)

    def has_path(self, path: str) -> bool:
        """Whether the file has a group at ``path``."""
        return safe_group(self.h5, path) is not None

    def subgroups(self, path: str) -> list:
        """Names of the groups directly under ``path`` (other than ``vars``)."""
        group = safe_group(self.h5, path) if path else self.h5
        if group is None:
            return []
        h5py = require_h5py()
        return [k for k in group.keys() if k != "vars"
                and group.get(k, getclass=True, getlink=True) is h5py.HardLink
                and isinstance(group[k], h5py.Group)]


def _numeric_key(key: str):
    return (0, int(key)) if key.isdigit() else (1, key)
