"""File helpers for saving: atomic writes and the optional ``h5py`` import.

Every writer in :mod:`keraton.saving` goes through :func:`atomic_write`: the
data is written to a temporary file in the target's folder and moved over the
target with ``os.replace`` only once complete, so a crash or an error while
saving never leaves a half-written file where a good one was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


def require_h5py():
    """Import and return ``h5py``, or raise an ``ImportError`` saying how to install it."""
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Saving and loading weights in HDF5 (.keras, .weights.h5, .h5) needs h5py: "
            "pip install h5py  (or pip install 'keraton[h5]')."
        ) from e
    return h5py


@contextlib.contextmanager
def atomic_write(filepath, mode: str = "wb"):
    """Open a temporary file next to ``filepath``; replace ``filepath`` with it on success.

    Yields the open temporary file.  On any exception the temporary file is
    removed and ``filepath`` is left as it was.

    Example:
        >>> with atomic_write("model.keras") as f:
        ...     f.write(b"...")
    """
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise ValueError(f"Cannot save to {filepath!r}: the folder {folder!r} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def atomic_path(filepath):
    """Like :func:`atomic_write` but yields the temporary *path* (for libraries that open by name)."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise ValueError(f"Cannot save to {filepath!r}: the folder {folder!r} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
